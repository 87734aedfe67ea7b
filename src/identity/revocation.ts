import { createHash } from 'node:crypto';

/**
 * The mesh's deny list, as every provider sidecar and control plane reads it: join tokens by id,
 * apps by generation, sidecars by instance. Certificates carry their app's generation at the
 * time they were signed, so revoking an app ("every certificate issued to it until now") is one
 * counter going up: no list of certificates, no clocks to compare across hosts.
 */
export interface Revocations {
  /** Ids of revoked join tokens (tokenId). */
  readonly tokens: ReadonlySet<string>;
  /** app → its generation: certificates of an older generation are revoked. */
  readonly apps: ReadonlyMap<string, number>;
  /** Revoked sidecar instances (`<app>.<host-pid-random>`). */
  readonly instances: ReadonlySet<string>;
}

export const noRevocations: Revocations = Object.freeze({ tokens: new Set<string>(), apps: new Map<string, number>(), instances: new Set<string>() });

/** One entry of the deny list as it is stored (one KV key each, so revocations never race each other). */
export type RevocationRecord =
  | { readonly kind: 'token'; readonly id: string; readonly at: string }
  | { readonly kind: 'app'; readonly app: string; readonly generation: number; readonly at: string }
  | { readonly kind: 'instance'; readonly app: string; readonly instance: string; readonly at: string };

/** What a certificate proves beyond its app: which sidecar it was signed for, and the app's generation then. */
export interface CertIdentity {
  readonly app: string;
  /** Absent in certificates signed before sidecars sent their instance. */
  readonly instance: string | undefined;
  readonly generation: number;
}

/**
 * A token's id: a hash of the token, so the id can be printed and passed around without the
 * secret, and any token, however old, has one (the control plane stores nothing at creation).
 */
export function tokenId(token: string): string {
  return createHash('sha256').update(token.trim()).digest('base64url').slice(0, 22);
}

/** `transmesh token revoke` takes a token or its id: a token has two dots (header.payload.signature). */
export function tokenIdOf(tokenOrId: string): string {
  const s = tokenOrId.trim();
  return s.split('.').length === 3 ? tokenId(s) : s;
}

export function revocationKey(rec: RevocationRecord): string {
  if (rec.kind === 'token') return `revoked.token.${rec.id}`;
  if (rec.kind === 'app') return `revoked.app.${rec.app}`;
  return `revoked.instance.${rec.instance}`;
}

/** The snapshot of a whole deny list; built when it changes, read per call. */
export function buildRevocations(records: Iterable<RevocationRecord>): Revocations {
  const tokens = new Set<string>();
  const apps = new Map<string, number>();
  const instances = new Set<string>();
  for (const r of records) {
    if (r.kind === 'token') tokens.add(r.id);
    else if (r.kind === 'app') apps.set(r.app, Math.max(r.generation, apps.get(r.app) ?? 0));
    else instances.add(r.instance);
  }
  return Object.freeze({ tokens, apps, instances });
}

/** Why a certificate is revoked (the message a refused caller gets), or undefined. */
export function certRevoked(rev: Revocations, id: CertIdentity): string | undefined {
  const generation = rev.apps.get(id.app);
  if (generation !== undefined && id.generation < generation) return `the certificate of ${id.app} was revoked (transmesh cert revoke --app ${id.app}); restart its sidecar with a valid token`;
  if (id.instance !== undefined && rev.instances.has(id.instance)) return `the certificate of ${id.app}/${id.instance} was revoked (transmesh cert revoke --instance)`;
  return undefined;
}

/**
 * The subject of a sidecar certificate: CN the app, OU the instance, serialNumber `g<generation>`,
 * O the trust domain. As a JSON name, so no character of an instance id can be read as syntax.
 */
export function certSubject(app: string, trustDomain: string, instance: string | undefined, generation: number): Array<Record<string, string[]>> {
  return [{ CN: [app] }, ...(instance ? [{ OU: [instance] }] : []), { '2.5.4.5': [`g${generation}`] }, { O: [trustDomain] }];
}

/** Reads the instance and generation back from a certificate's subject as node:tls and node:crypto give it. */
export function certIdentityOf(app: string, subject: Readonly<Record<string, string | string[] | undefined>> | undefined): CertIdentity {
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const g = /^g(\d+)$/.exec(one(subject?.serialNumber) ?? '');
  return { app, instance: one(subject?.OU), generation: g ? Number(g[1]) : 0 };
}

/** node:crypto's X509Certificate.subject is `CN=web\nOU=...`; the same shape as a PeerCertificate's. */
export function subjectFields(subject: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of subject.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && !(line.slice(0, eq) in out)) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}
