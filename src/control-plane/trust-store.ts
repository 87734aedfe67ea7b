import type { MeshCa } from '../identity/ca';
import { IdentityError } from '../identity/identity-error';
import type { RevocationRecord } from '../identity/revocation';
import { revocationKey } from '../identity/revocation';
import { holds, type TrustBundle } from '../identity/trust-bundle';
import { decodeJson, encodeJson, isLive, updateRecord, type RegistryKv } from '../registry/kv';
import { caKey } from '../registry/names';
import { caRecord, revocationRecord, trustedCerts, type CaRecord, type RevokeRequest } from '../registry/records';

/**
 * The control plane's view of the `transmesh_ca` bucket: the trust bundle and the deny list, read
 * fresh for each signing request (signing is rare: once per sidecar start and half-life), so a
 * revocation or a rotation holds from the moment it is stored, on every replica, across restarts.
 */
export class TrustStore {
  constructor(private readonly kv: RegistryKv) {}

  async bundle(): Promise<TrustBundle | undefined> {
    const e = await this.kv.get(caKey);
    if (!isLive(e)) return undefined;
    const rec = decodeJson(caRecord, e.value);
    return { trustDomain: rec.trustDomain, certs: trustedCerts(rec) };
  }

  /**
   * At start: the first control plane of a mesh stores its CA as the whole bundle. A later one must
   * find its CA in the bundle (same CA, or rotated in with `ca rotate`), else it would sign
   * certificates nobody trusts; it refuses to start, saying why.
   */
  async adopt(ca: MeshCa, dir: string, replace = false): Promise<void> {
    const current = await this.bundle();
    if (current && holds(current, ca.certPem) && !(replace && current.certs.length > 1)) return;
    if (current && replace) {
      await this.kv.put(caKey, encodeJson({ cert: ca.certPem, trustDomain: ca.trustDomain, bundle: [ca.certPem] } satisfies CaRecord));
      return;
    }
    if (current) {
      throw new IdentityError(`the CA in ${dir} is not in the mesh's trust bundle (${current.certs.length} CA${current.certs.length === 1 ? '' : 's'} in ${caKey}): start with the mesh's current --ca, or add this one with transmesh ca rotate`);
    }
    const rec: CaRecord = { cert: ca.certPem, trustDomain: ca.trustDomain, bundle: [ca.certPem] };
    await this.kv.create(caKey, encodeJson(rec)).catch(async (err: unknown) => {
      // Another replica created it meanwhile: its CA must be ours too.
      const now = await this.bundle();
      if (!now || !holds(now, ca.certPem)) throw err;
    });
  }

  async tokenRevoked(id: string): Promise<boolean> {
    return isLive(await this.kv.get(revocationKey({ kind: 'token', id, at: '' })));
  }

  /** The app's generation: certificates signed now carry it; those of older generations are revoked. */
  async appGeneration(app: string): Promise<number> {
    const e = await this.kv.get(revocationKey({ kind: 'app', app, generation: 0, at: '' }));
    if (!isLive(e)) return 0;
    const rec = decodeJson(revocationRecord, e.value);
    return rec.kind === 'app' ? rec.generation : 0;
  }

  async instanceRevoked(instance: string): Promise<boolean> {
    return isLive(await this.kv.get(revocationKey({ kind: 'instance', app: '', instance, at: '' })));
  }

  /** Adds to the deny list; revoking an app raises its generation by compare-and-set, so concurrent revocations both count. */
  async revoke(req: RevokeRequest): Promise<RevocationRecord> {
    const at = new Date().toISOString();
    if ('tokenId' in req) return this.put({ kind: 'token', id: req.tokenId, at });
    if (req.instance !== undefined) {
      if (!req.instance.startsWith(`${req.app}.`)) throw new IdentityError(`instance ${req.instance} is not a sidecar of ${req.app} (instance ids are <app>.<host>-<pid>-<random>)`);
      return this.put({ kind: 'instance', app: req.app, instance: req.instance, at });
    }
    let stored: RevocationRecord | undefined;
    const key = revocationKey({ kind: 'app', app: req.app, generation: 0, at });
    await updateRecord(this.kv, key, revocationRecord, (prev) => {
      stored = { kind: 'app', app: req.app, generation: (prev?.kind === 'app' ? prev.generation : 0) + 1, at };
      return stored;
    });
    return stored!;
  }

  private async put(rec: RevocationRecord): Promise<RevocationRecord> {
    await this.kv.put(revocationKey(rec), encodeJson(rec));
    return rec;
  }
}
