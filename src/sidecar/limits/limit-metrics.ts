import { windowStart } from '../../policy/quota-window';
import { escapeLabel as esc } from '../../telemetry/policy-metrics';
import type { QuotaLedger } from './quota-ledger';

export type RefusalReason = 'quota' | 'rate_instance' | 'rate_caller';

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
  private readonly refusals = new Map<string, { labels: string; n: number }>();
  private readonly fallbacks = new Map<string, { labels: string; n: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  refused(service: string, caller: string, reason: RefusalReason): void {
    bump(this.refusals, `${service}\u0000${caller}\u0000${reason}`, () => `service="${esc(service)}",caller="${esc(caller)}",reason="${reason}"`);
  }

  fallback(service: string, caller: string): void {
    bump(this.fallbacks, `${service}\u0000${caller}`, () => `service="${esc(service)}",caller="${esc(caller)}"`);
  }

  /** Refusals counted for one label set (`service="a",caller="b",reason="quota"`), for tests. */
  refusalCount(labels: string): number {
    for (const c of this.refusals.values()) if (c.labels === labels) return c.n;
    return 0;
  }

  render(ledger: QuotaLedger | undefined): string {
    const out: string[] = [];
    counter(out, 'transmesh_limit_refusals_total', 'Calls refused by a quota (consumer side) or a rate limit (provider side).', this.refusals);
    counter(out, 'transmesh_quota_fallbacks_total', 'Times the quota counter store stopped answering and this sidecar fell back to an even share.', this.fallbacks);
    const now = this.now();
    const rows = (ledger?.list() ?? []).filter((r) => r.key.windowStart === windowStart(now, r.key.per));
    if (rows.length) {
      const used: string[] = [];
      const remaining: string[] = [];
      const fallback: string[] = [];
      for (const r of rows) {
        const k = r.key;
        const left = Math.max(0, Math.min(k.limit, r.degraded ? r.tokens : r.remaining + r.tokens));
        const labels = `service="${esc(k.service)}",caller="${esc(k.caller)}",quota="${esc(k.quotaId)}",per="${k.per}"`;
        used.push(`transmesh_quota_used{${labels}} ${k.limit - left}`);
        remaining.push(`transmesh_quota_remaining{${labels}} ${left}`);
        fallback.push(`transmesh_quota_fallback{${labels}} ${r.degraded ? 1 : 0}`);
      }
      out.push('# HELP transmesh_quota_used Calls counted against the quota in the current window, mesh-wide as this sidecar last saw it.', '# TYPE transmesh_quota_used gauge', ...used);
      out.push('# HELP transmesh_quota_remaining Calls left in the current window, as this sidecar last saw it (its own unspent lease included).', '# TYPE transmesh_quota_remaining gauge', ...remaining);
      out.push('# HELP transmesh_quota_fallback 1 while the counter store does not answer and this sidecar counts alone on an even share.', '# TYPE transmesh_quota_fallback gauge', ...fallback);
    }
    return out.length ? out.join('\n') + '\n' : '';
  }
}

function bump(map: Map<string, { labels: string; n: number }>, key: string, labels: () => string): void {
  let c = map.get(key);
  if (!c) map.set(key, (c = { labels: labels(), n: 0 }));
  c.n++;
}

function counter(out: string[], name: string, help: string, map: Map<string, { labels: string; n: number }>): void {
  if (!map.size) return;
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
  for (const { labels, n } of map.values()) out.push(`${name}{${labels}} ${n}`);
}
