import { createPrivateKey, sign, verify, X509Certificate } from 'node:crypto';
import { IdentityError } from './identity-error';
import { appOfSubjectAltName } from './spiffe';

/**
 * Renewal without the join token: the sidecar proves it holds the key of a mesh certificate that
 * is still valid by signing its new CSR with that key. So a sidecar renews for as long as it
 * runs, whatever its token's lifetime; an expired certificate can only be replaced with a token.
 */
export function proveRenewal(currentKeyPem: string, csrPem: string): string {
  return sign('sha256', Buffer.from(csrPem), { key: createPrivateKey(currentKeyPem), dsaEncoding: 'ieee-p1363' }).toString('base64url');
}

/** Checks a renewal: `certPem` issued by the CA, valid now, naming `app`, and `proof` made with its key. */
export function checkRenewal(certPem: string, proof: string, csrPem: string, ca: X509Certificate, trustDomain: string, app: string, now = Date.now()): void {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    throw new IdentityError('the renewal carries no readable certificate');
  }
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) throw new IdentityError('the certificate to renew was not issued by this mesh CA');
  if (Date.parse(cert.validTo) <= now || Date.parse(cert.validFrom) > now) throw new IdentityError('the certificate to renew is not valid now (renew with a join token)');
  const certApp = appOfSubjectAltName(cert.subjectAltName, trustDomain);
  if (certApp !== app) throw new IdentityError(`the certificate to renew is for ${certApp ?? 'no app'}, not ${app}`);
  const ok = verify('sha256', Buffer.from(csrPem), { key: cert.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(proof, 'base64url'));
  if (!ok) throw new IdentityError('the renewal proof was not made with the key of the certificate to renew');
}
