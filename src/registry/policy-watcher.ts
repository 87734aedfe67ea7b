import { KV } from 'nats';
import type { Logger } from '../log/logger';
import { compilePolicy } from '../policy/compile-policy';
import { policyDocumentSchema } from '../policy/policy-document';
import type { PolicySnapshot, ServicePolicy } from '../policy/service-policy';
import type { IdlSnapshot } from '../snapshot/snapshots';
import { decodeJson, isLive } from './kv';
import { RecordWatcher } from './record-watcher';
import { docKey } from './policy-store';
import { policyDocRecord, policyServiceRecord } from './records';

/** What a sidecar runs and what it could not load, as it reports in its discovery record. */
export interface PolicyReport {
  policies: Record<string, number>;
  policyErrors: Record<string, { revision: number; error: string }>;
}

interface Loaded {
  policy: ServicePolicy;
  /** The IDL version whose idempotency marks it was compiled with. */
  idlVersion: number | undefined;
}

/**
 * Follows the policy bucket and compiles each service's current revision into a whole
 * PolicySnapshot for the data plane. Idempotency comes from the sidecar's IDL, so a new IDL
 * version recompiles the service's policy. A revision that does not load leaves the service on
 * its last good one, and the error is reported (the control plane's apply then names this sidecar).
 */
export class PolicyWatcher extends RecordWatcher<typeof policyServiceRecord> {
  private current = new Map<string, Loaded>();
  private errors = new Map<string, { revision: number; error: string }>();
  private queue: Promise<void> = Promise.resolve();
  private pending = false;
  private emitted = false;

  constructor(
    kv: KV,
    private readonly idl: () => IdlSnapshot,
    private readonly onSnapshot: (s: PolicySnapshot, report: PolicyReport) => void,
    log: Logger,
  ) {
    super(kv, policyServiceRecord, log, 'policies');
  }

  /** A new IDL snapshot: methods may have become idempotent or stopped being so. */
  idlChanged(): void {
    void this.rebuild();
  }

  /** Builds one after another; any number of changes during a build cause exactly one more. */
  protected rebuild(): Promise<void> {
    if (this.pending) return this.queue;
    this.pending = true;
    this.queue = this.queue
      .then(() => {
        this.pending = false;
        return this.build();
      })
      .catch((err) => this.log.error({ err }, 'policy rebuild failed; keeping the last snapshot'));
    return this.queue;
  }

  private async build(): Promise<void> {
    const idl = this.idl();
    const next = new Map<string, Loaded>();
    const errors = new Map<string, { revision: number; error: string }>();
    let changed = this.current.size !== this.records.size;
    for (const [service, head] of this.records) {
      const prev = this.current.get(service);
      const entry = idl.services.get(service);
      if (prev && prev.policy.revision === head.current && prev.idlVersion === entry?.version) {
        next.set(service, prev);
        continue;
      }
      try {
        const e = await this.kv.get(docKey(service, head.current));
        if (!isLive(e)) throw new Error(`revision ${head.current} is missing from the store`);
        const rec = decodeJson(policyDocRecord, e.value);
        const doc = policyDocumentSchema.parse(rec.document);
        if (doc.service !== service) throw new Error(`revision ${head.current} is a policy of ${doc.service}`);
        next.set(service, { policy: compilePolicy(doc, head.current, entry?.model.methods ?? new Map()), idlVersion: entry?.version });
        changed = true;
      } catch (err) {
        const error = (err as Error).message.split('\n')[0];
        this.log.error({ err, service, revision: head.current }, 'keeping the last good policy of a service');
        errors.set(service, { revision: head.current, error });
        if (prev) next.set(service, prev);
      }
    }
    const errorsChanged = JSON.stringify([...errors]) !== JSON.stringify([...this.errors]);
    this.errors = errors;
    if (!changed && !errorsChanged && this.emitted) return;
    this.emitted = true;
    this.current = next;
    const byService = new Map([...next].map(([s, l]) => [s, l.policy] as const));
    const report: PolicyReport = {
      policies: Object.fromEntries([...next].map(([s, l]) => [s, l.policy.revision])),
      policyErrors: Object.fromEntries(errors),
    };
    this.onSnapshot(Object.freeze({ byService }), report);
    this.log.info({ policies: report.policies, errors: report.policyErrors }, 'policy snapshot loaded');
  }
}
