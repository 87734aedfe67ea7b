import type { NatsConnection } from 'nats';
import { windowLengthMs, windowStart } from '../policy/quota-window';
import { quotaId } from '../policy/quota-lease';
import { policyDocumentSchema } from '../policy/policy-document';
import { PolicyStore } from '../registry/policy-store';
import { bindBucket } from '../registry/kv';
import { Buckets } from '../registry/names';
import { createLogger } from '../log/logger';
import type { QuotaUse } from '../policy/quota-use';
import { currentCounters } from './kv-lease-source';
import { bindQuotaBucket } from './quota-bucket';

/**
 * Every quota of every current policy (or of one service), with its counter in the current window:
 * used 0 when no sidecar counted yet. Counters of quotas no policy has any more are left out.
 * `transmesh quota ls` and the dashboard show the same.
 */
export async function listQuotas(nc: NatsConnection, now: number, service?: string): Promise<QuotaUse[]> {
  const log = createLogger('quota');
  const policies = new PolicyStore(await bindBucket(nc.jetstream(), Buckets.policy, log));
  const counters = new Map((await currentCounters(await bindQuotaBucket(nc, log), now, service)).map((c) => [`${c.service}\u0000${c.quotaId}\u0000${c.caller}`, c]));
  const services = service ? [service] : (await policies.list()).map((p) => p.service);
  const rows: QuotaUse[] = [];
  for (const name of services) {
    const head = await policies.head(name);
    if (!head) continue;
    const parsed = policyDocumentSchema.safeParse((await policies.doc(name, head.current)).document);
    if (!parsed.success) continue;
    for (const q of parsed.data.quotas ?? []) {
      const methods = [...(q.methods ?? [])].sort();
      const id = quotaId({ caller: q.caller, methods: new Set(methods), limit: q.limit, per: q.per });
      const used = counters.get(`${name}\u0000${id}\u0000${q.caller}`)?.used ?? 0;
      rows.push({ service: name, caller: q.caller, methods, per: q.per, used: Math.min(used, q.limit), limit: q.limit, windowEnd: windowStart(now, q.per) + windowLengthMs[q.per] });
    }
  }
  return rows.sort((a, b) => a.service.localeCompare(b.service) || a.caller.localeCompare(b.caller) || a.per.localeCompare(b.per));
}
