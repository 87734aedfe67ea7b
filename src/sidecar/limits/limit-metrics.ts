import { windowStart } from '../../policy/quota-window';
import { sampleValue } from '../../telemetry/exposition';
import { Counter, Gauge, MetricSet } from '../../telemetry/metric-family';
import type { QuotaLedger } from './quota-ledger';

export type RefusalReason = 'quota' | 'rate_instance' | 'rate_caller';

const quotaLabels = ['service', 'caller', 'quota', 'per'];

/**
 * What quotas and rate limits did on this sidecar, for /metrics:
 * - `transmesh_limit_refusals_total{service,caller,reason}`: calls refused, reason quota (at the
 *   consumer sidecar), rate_instance or rate_caller (at the provider sidecar);
 * - `transmesh_quota_used` / `transmesh_quota_remaining{service,caller,quota,per}`: the current
 *   window's mesh-wide counter as this sidecar last saw it (with its own unspent lease counted as remaining);
 * - `transmesh_quota_fallback{service,caller,quota}`: 1 while the counter store does not answer and
 *   this sidecar counts alone on an even share; `transmesh_quota_fallbacks_total` how often that began.
 * Label values are service and app names from policies, so the series stay bounded.
 */
export class LimitMetrics {
  private readonly set = new MetricSet();
  private readonly refusals = this.set.add(new Counter('transmesh_limit_refusals_total', 'Calls refused by a quota (consumer side) or a rate limit (provider side).', ['service', 'caller', 'reason']));
  private readonly fallbacks = this.set.add(new Counter('transmesh_quota_fallbacks_total', 'Times the quota counter store stopped answering and this sidecar fell back to an even share.', ['service', 'caller']));
  private readonly used = this.set.add(new Gauge('transmesh_quota_used', 'Calls counted against the quota in the current window, mesh-wide as this sidecar last saw it.', quotaLabels));
  private readonly remaining = this.set.add(new Gauge('transmesh_quota_remaining', 'Calls left in the current window, as this sidecar last saw it (its own unspent lease included).', quotaLabels));
  private readonly degraded = this.set.add(new Gauge('transmesh_quota_fallback', '1 while the counter store does not answer and this sidecar counts alone on an even share.', quotaLabels));

  constructor(private readonly now: () => number = Date.now) {}

  refused(service: string, caller: string, reason: RefusalReason): void {
    this.refusals.inc(service, caller, reason);
  }

  fallback(service: string, caller: string): void {
    this.fallbacks.inc(service, caller);
  }

  /** Refusals counted for one label set (`service="a",caller="b",reason="quota"`), for tests. */
  refusalCount(labels: string): number {
    return sampleValue(this.render(undefined), 'transmesh_limit_refusals_total', labels);
  }

  /** The quota gauges are the ledger's rows of the current window, read at each scrape. */
  render(ledger: QuotaLedger | undefined): string {
    const now = this.now();
    for (const g of [this.used, this.remaining, this.degraded]) g.reset();
    for (const r of ledger?.list() ?? []) {
      const k = r.key;
      if (k.windowStart !== windowStart(now, k.per)) continue;
      const left = Math.max(0, Math.min(k.limit, r.degraded ? r.tokens : r.remaining + r.tokens));
      const labels = [k.service, k.caller, k.quotaId, k.per];
      this.used.set(k.limit - left, ...labels);
      this.remaining.set(left, ...labels);
      this.degraded.set(r.degraded ? 1 : 0, ...labels);
    }
    return this.set.render();
  }
}
