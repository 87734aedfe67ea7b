import { KV } from 'nats';
import { decodeJson, encodeJson, isLive, nextCount, patientKv, RegistryKv, updateRecord } from './kv';
import { RegistryError } from './idl-store';
import { PolicyDocRecord, policyDocRecord, PolicyServiceRecord, policyServiceRecord } from './records';

export interface PolicyListing {
  service: string;
  revision: number;
  appliedAt: string;
  revisions: number[];
  lastChange?: PolicyServiceRecord['lastChange'];
}

/**
 * Policies in their own key-value bucket, every revision kept: `doc.<service>.<revision>` holds
 * one applied document, `service.<service>` which revision is current. Revisions come from
 * `seq.<service>` by compare-and-set, so replicas never hand out the same one, and the counter
 * outlives `delete`, so a revision number never names two documents.
 */
export class PolicyStore {
  private readonly kv: RegistryKv;

  // Every write waits out a stream leader election (a NATS node died), as the registry's do.
  constructor(kv: KV) {
    this.kv = patientKv(kv);
  }

  /** Stores a validated document as the service's next revision and makes it current. */
  async put(service: string, yaml: string, document: unknown, by?: string): Promise<{ revision: number; previous: number | undefined; appliedAt: string }> {
    const revision = await this.nextRevision(service);
    const appliedAt = new Date().toISOString();
    const rec: PolicyDocRecord = { service, revision, appliedAt, yaml, document };
    // The document first: a head never points at a revision that is not there.
    await this.kv.put(docKey(service, revision), encodeJson(rec));
    let previous: number | undefined;
    await this.updateHead(service, (prev) => {
      previous = prev?.current;
      const revisions = [...(prev?.revisions ?? []), { revision, appliedAt }].sort((a, b) => a.revision - b.revision);
      const current = Math.max(prev?.current ?? 0, revision);
      return { service, current, revisions, lastChange: current === revision ? { how: 'apply', at: appliedAt, by } : prev?.lastChange };
    });
    return { revision, previous, appliedAt };
  }

  async head(service: string): Promise<PolicyServiceRecord | undefined> {
    const e = await this.kv.get(headKey(service));
    return isLive(e) ? decodeJson(policyServiceRecord, e.value) : undefined;
  }

  /** The current (or named) revision of a service's policy. */
  async show(service: string, revision?: number): Promise<PolicyDocRecord> {
    const head = await this.head(service);
    if (!head) throw new RegistryError(`no policy for ${service}`);
    const rev = revision ?? head.current;
    if (!head.revisions.some((r) => r.revision === rev)) throw new RegistryError(`${service} has no policy revision ${rev} (revisions: ${head.revisions.map((r) => r.revision).join(', ')})`);
    return this.doc(service, rev);
  }

  async doc(service: string, revision: number): Promise<PolicyDocRecord> {
    const e = await this.kv.get(docKey(service, revision));
    if (!isLive(e)) throw new RegistryError(`policy revision ${revision} of ${service} is missing from the store`);
    return decodeJson(policyDocRecord, e.value);
  }

  async list(): Promise<PolicyListing[]> {
    // Keys first, records after: reading records while the key lister runs cuts the listing short.
    const keys: string[] = [];
    for await (const key of await this.kv.keys('service.>')) keys.push(key);
    const out: PolicyListing[] = [];
    for (const key of keys) {
      const head = await this.head(key.slice('service.'.length));
      if (!head) continue;
      const cur = head.revisions.find((r) => r.revision === head.current);
      out.push({ service: head.service, revision: head.current, appliedAt: cur?.appliedAt ?? '', revisions: head.revisions.map((r) => r.revision), ...(head.lastChange ? { lastChange: head.lastChange } : {}) });
    }
    return out.sort((a, b) => a.service.localeCompare(b.service));
  }

  /** Makes the previous (or named) revision current; the documents themselves are not changed. */
  async rollback(service: string, to?: number, by?: string): Promise<{ service: string; revision: number; previous: number }> {
    let previous = 0;
    let target = 0;
    await this.updateHead(service, (prev) => {
      if (!prev) throw new RegistryError(`no policy for ${service}`);
      previous = prev.current;
      if (to !== undefined) {
        if (!prev.revisions.some((r) => r.revision === to)) throw new RegistryError(`${service} has no policy revision ${to} (revisions: ${prev.revisions.map((r) => r.revision).join(', ')})`);
        target = to;
      } else {
        const older = prev.revisions.filter((r) => r.revision < prev.current);
        if (!older.length) throw new RegistryError(`${service} has no policy revision before ${prev.current}`);
        target = older[older.length - 1].revision;
      }
      return { ...prev, current: target, lastChange: { how: 'rollback', at: new Date().toISOString(), by } };
    });
    return { service, revision: target, previous };
  }

  /** Removes the service's policy and every revision of it; sidecars go back to the mesh defaults. */
  async delete(service: string): Promise<{ service: string; previous: number }> {
    const head = await this.head(service);
    if (!head) throw new RegistryError(`no policy for ${service}`);
    // The head first: once it is gone no sidecar reads the documents.
    await this.kv.delete(headKey(service));
    for (const r of head.revisions) await this.kv.delete(docKey(service, r.revision));
    return { service, previous: head.current };
  }

  private nextRevision(service: string): Promise<number> {
    return nextCount(this.kv, `seq.${service}`);
  }

  private updateHead(service: string, change: (prev: PolicyServiceRecord | undefined) => PolicyServiceRecord): Promise<void> {
    return updateRecord(this.kv, headKey(service), policyServiceRecord, change);
  }
}

export const headKey = (service: string) => `service.${service}`;
export const docKey = (service: string, revision: number) => `doc.${service}.${revision}`;
