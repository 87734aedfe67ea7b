import { exhausted } from '../../errors/mesh-error';
import { quotaId } from '../../policy/quota-lease';
import type { Quota } from '../../policy/service-policy';
import type { LimitMetrics } from '../limits/limit-metrics';
import type { QuotaLedger } from '../limits/quota-ledger';
import type { AttemptLayer, Handler, OutboundCall, PeerRequest } from './call';

/**
 * Mesh-wide quotas (docs/policy.md, Quotas), at the consumer sidecar: every quota of the service's
 * policy whose caller is this sidecar's app and whose methods include the call's is checked
 * against the ledger's lease. It sits among the peer-level layers, under retry and above
 * balance, so it runs once per attempt: a retry is a call like any other and counts (docs/policy.md).
 * A refusal is RESOURCE_EXHAUSTED with `retry-after` (seconds to the window's end); the retry
 * layer never retries it and the breaker, below, never sees it.
 * With several matching quotas, those checked before the one that refuses keep the call counted.
 */
export function quotaLayer(ledger: QuotaLedger, metrics: LimitMetrics): AttemptLayer {
  // quotaId hashes the methods: once per compiled quota, not per call.
  const ids = new WeakMap<Quota, string>();
  const idOf = (q: Quota) => {
    let id = ids.get(q);
    if (id === undefined) ids.set(q, (id = quotaId(q)));
    return id;
  };
  return (next) => (req) => {
    const quotas = req.call.policy?.service?.quotas;
    if (quotas === undefined || quotas.length === 0) return next(req);
    return checkFrom(req, quotas, 0, next);
  };

  function checkFrom<Req extends PeerRequest, Res>(req: Req, quotas: readonly Quota[], from: number, next: Handler<Req, Res>): Promise<Res> {
    const call = req.call;
    for (let i = from; i < quotas.length; i++) {
      const q = quotas[i];
      if (q.caller !== call.caller || (q.methods.size > 0 && !q.methods.has(call.method))) continue;
      const wait = ledger.check(call.service, idOf(q), q, call.caller);
      if (wait === 0) continue;
      if (typeof wait === 'number') return Promise.reject(refuse(call, q, wait));
      // Only when this sidecar's lease ran dry does the call wait for the store.
      return wait.then((w) => (w === 0 ? checkFrom(req, quotas, i + 1, next) : Promise.reject(refuse(call, q, w))));
    }
    return next(req);
  }

  function refuse(call: OutboundCall<unknown>, q: Quota, retryAfter: number) {
    metrics.refused(call.service, call.caller, 'quota');
    const methods = q.methods.size ? ` [${[...q.methods].join(', ')}]` : '';
    return exhausted(`quota of ${q.caller} on ${call.service}${methods} exhausted: ${q.limit} per ${q.per}`, retryAfter);
  }
}
