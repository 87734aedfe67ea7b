import type { JetStreamClient, KV } from 'nats';
import type { PolicyListing } from './mesh-overview';

/** The policy bucket's name (docs/policy.md); created by the policy store once policies exist. */
const policyBucket = 'transmesh_policy';

/**
 * The dashboard's read-only look at policies: keys and revisions of the policy bucket, or null
 * while the bucket does not exist. Binds only (never creates the bucket, whose options belong to
 * the policy store).
 */
export class PolicyPeek {
  private kv: KV | undefined;

  constructor(private readonly js: JetStreamClient) {}

  async list(): Promise<PolicyListing[] | null> {
    try {
      this.kv ??= await this.js.views.kv(policyBucket, { bindOnly: true });
      const keys: string[] = [];
      for await (const k of await this.kv.keys()) keys.push(k);
      const out: PolicyListing[] = [];
      for (const key of keys.sort()) {
        const e = await this.kv.get(key);
        if (e && e.operation === 'PUT') out.push({ key, revision: e.revision, updated: e.created.toISOString() });
      }
      return out;
    } catch {
      this.kv = undefined;
      return null;
    }
  }
}
