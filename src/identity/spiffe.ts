/**
 * SPIFFE identities of the mesh: `spiffe://<trust-domain>/app/<app>`, carried in a
 * certificate's URI SAN. The caller's app is read from here, never from a header.
 */
export const defaultTrustDomain = 'transmesh.local';

export const trustDomainPattern = /^[a-z0-9._-]+$/;
export const appNamePattern = /^[\w.-]+$/;

export function spiffeId(trustDomain: string, app: string): string {
  return `spiffe://${trustDomain}/app/${app}`;
}

/** The app of a SPIFFE id in the given trust domain, or undefined. */
export function appOfSpiffeId(id: string, trustDomain: string): string | undefined {
  const prefix = `spiffe://${trustDomain}/app/`;
  if (!id.startsWith(prefix)) return undefined;
  const app = id.slice(prefix.length);
  return appNamePattern.test(app) ? app : undefined;
}

/**
 * The app named by a peer certificate's `subjectaltname` as node:tls reports it
 * (`URI:spiffe://td/app/web, DNS:...`); undefined unless exactly one URI SAN of the trust domain.
 */
export function appOfSubjectAltName(san: string | undefined, trustDomain: string): string | undefined {
  if (!san) return undefined;
  const uris = san
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('URI:'))
    .map((s) => s.slice(4));
  if (uris.length !== 1) return undefined;
  return appOfSpiffeId(uris[0], trustDomain);
}
