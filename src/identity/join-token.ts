import { createPrivateKey, createPublicKey, KeyObject, sign, verify, X509Certificate } from 'node:crypto';
import { IdentityError } from './identity-error';
import { appNamePattern } from './spiffe';

/**
 * Join tokens: a compact JWS (ES256) over `{app, td, iat, exp}`, signed by the CA key. Anyone
 * holding the CA certificate can check one, so the control plane stores nothing about tokens.
 * A token proves one app name until it expires; it is a bearer secret, like a Kubernetes
 * service-account token or a SPIRE join token.
 */
export interface TokenClaims {
  readonly app: string;
  /** Trust domain. */
  readonly td: string;
  /** Seconds since the epoch. */
  readonly iat: number;
  readonly exp: number;
}

const header = b64url(Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'JWT' })));

export function createToken(caKeyPem: string, claims: { app: string; trustDomain: string; ttlMs: number }, now = Date.now()): string {
  if (!appNamePattern.test(claims.app)) throw new IdentityError(`"${claims.app}" is not an app name (letters, digits, . _ - only)`);
  const body: TokenClaims = { app: claims.app, td: claims.trustDomain, iat: Math.floor(now / 1000), exp: Math.floor((now + claims.ttlMs) / 1000) };
  const input = `${header}.${b64url(Buffer.from(JSON.stringify(body)))}`;
  const sig = sign('sha256', Buffer.from(input), { key: createPrivateKey(caKeyPem), dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(sig)}`;
}

/**
 * Checks a token against the CA certificate: signature, trust domain, expiry, and that it names
 * `app`. Throws IdentityError with a one-line reason (what an operator needs to fix it).
 */
export function checkToken(token: string, ca: X509Certificate | KeyObject, trustDomain: string, app: string, now = Date.now()): TokenClaims {
  const parts = token.trim().split('.');
  if (parts.length !== 3) throw new IdentityError('the join token is malformed (not header.payload.signature)');
  let claims: TokenClaims;
  try {
    const h = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as { alg?: string };
    if (h.alg !== 'ES256') throw new Error('alg');
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as TokenClaims;
  } catch {
    throw new IdentityError('the join token is malformed (bad header or payload)');
  }
  const key = ca instanceof X509Certificate ? ca.publicKey : createPublicKey(ca);
  const ok = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(parts[2], 'base64url'));
  if (!ok) throw new IdentityError('the join token has a bad signature (not signed by this mesh CA, or altered)');
  if (typeof claims.app !== 'string' || typeof claims.exp !== 'number' || typeof claims.td !== 'string') throw new IdentityError('the join token is malformed (missing app, td or exp)');
  if (claims.td !== trustDomain) throw new IdentityError(`the join token is for trust domain ${claims.td}, not ${trustDomain}`);
  if (claims.exp * 1000 <= now) throw new IdentityError(`the join token for ${claims.app} expired at ${new Date(claims.exp * 1000).toISOString()}`);
  if (claims.app !== app) throw new IdentityError(`the join token is for app ${claims.app}, not ${app}`);
  return claims;
}

function b64url(b: Buffer): string {
  return b.toString('base64url');
}
