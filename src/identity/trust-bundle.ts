import { X509Certificate } from 'node:crypto';
import { IdentityError } from './identity-error';
import { checkToken, type TokenClaims } from './join-token';
import { checkRenewal } from './renewal-proof';

/**
 * The CAs the mesh trusts at once, as Linkerd and Istio rotate trust anchors: after `ca rotate`
 * the bundle holds the old CA and the new one, so certificates and join tokens from either are
 * accepted while sidecars move to certificates from the new one; `ca retire` drops the old.
 * The last CA of the bundle is the one control planes should sign with.
 */
export interface TrustBundle {
  readonly trustDomain: string;
  /** PEM certificates, oldest first; never empty. */
  readonly certs: readonly string[];
}

export function fingerprintOf(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

/** The CA control planes sign with: the newest in the bundle. */
export function signingCa(bundle: TrustBundle): string {
  return bundle.certs[bundle.certs.length - 1];
}

export function holds(bundle: TrustBundle, caPem: string): boolean {
  const fp = fingerprintOf(caPem);
  return bundle.certs.some((c) => fingerprintOf(c) === fp);
}

/** `ca rotate`: the bundle with `newCa` added as the CA to sign with. `oldCa` must be trusted already. */
export function rotateBundle(bundle: TrustBundle | undefined, oldCa: string, newCa: string, trustDomain: string): TrustBundle {
  const current = bundle ?? { trustDomain, certs: [oldCa] };
  if (current.trustDomain !== trustDomain) throw new IdentityError(`the mesh's trust domain is ${current.trustDomain}, the CA's is ${trustDomain}`);
  if (!holds(current, oldCa)) throw new IdentityError(`the CA given with --ca is not in the mesh's trust bundle (${current.certs.length} CA${current.certs.length === 1 ? '' : 's'}); rotate from a CA the mesh trusts`);
  if (holds(current, newCa)) throw new IdentityError('the new CA is already in the trust bundle');
  return { trustDomain, certs: [...current.certs, newCa] };
}

/** `ca retire`: the bundle without `caPem`; the CA control planes sign with cannot be retired. */
export function retireFromBundle(bundle: TrustBundle, caPem: string): TrustBundle {
  if (!holds(bundle, caPem)) throw new IdentityError('that CA is not in the mesh\'s trust bundle (already retired?)');
  const fp = fingerprintOf(caPem);
  if (fingerprintOf(signingCa(bundle)) === fp) throw new IdentityError('that CA is the one control planes sign with (the newest); rotate to a new CA first (transmesh ca rotate)');
  return { trustDomain: bundle.trustDomain, certs: bundle.certs.filter((c) => fingerprintOf(c) !== fp) };
}

/** The CA of the bundle that issued `cert`, or undefined. */
export function issuerOf(cert: X509Certificate, cas: readonly X509Certificate[]): X509Certificate | undefined {
  return cas.find((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey));
}

/**
 * Tries a check against each CA of the bundle; the first that passes wins. When none does, the
 * reason shown is one about the token or certificate itself (expired, other app) when some CA
 * signed it, else the first (not signed by any trusted CA).
 */
export function againstAny<T>(cas: readonly X509Certificate[], check: (ca: X509Certificate) => T, isForeign: (err: IdentityError) => boolean): T {
  let first: unknown;
  for (const ca of cas) {
    try {
      return check(ca);
    } catch (err) {
      if (!(err instanceof IdentityError)) throw err;
      if (!isForeign(err)) throw err;
      first ??= err;
    }
  }
  throw first ?? new IdentityError('the mesh trusts no CA');
}

/** A join token signed by any CA of the bundle (tokens of an old CA work until it is retired). */
export function checkTokenTrusted(token: string, cas: readonly X509Certificate[], trustDomain: string, app: string, now = Date.now()): TokenClaims {
  return againstAny(cas, (ca) => checkToken(token, ca, trustDomain, app, now), (e) => /bad signature/.test(e.message));
}

/** A renewal whose certificate any CA of the bundle issued; returns that certificate. */
export function checkRenewalTrusted(certPem: string, proof: string, csrPem: string, cas: readonly X509Certificate[], trustDomain: string, app: string, now = Date.now()): X509Certificate {
  againstAny(cas, (ca) => checkRenewal(certPem, proof, csrPem, ca, trustDomain, app, now), (e) => /not issued by this mesh CA/.test(e.message));
  return new X509Certificate(certPem);
}
