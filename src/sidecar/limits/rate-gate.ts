import { exhausted, type MeshError } from '../../errors/mesh-error';
import type { PolicySnapshot, RateLimit } from '../../policy/service-policy';
import type { SnapshotCell } from '../../snapshot/snapshot-cell';
import type { LimitMetrics } from './limit-metrics';
import { TokenBucket } from './token-bucket';

type Setting = { readonly rate: number; readonly burst: number };

interface ServiceBuckets {
  readonly limit: RateLimit;
  readonly instance: TokenBucket | undefined;
  /** One bucket per caller named in `perCaller`, made on its first call. */
  readonly callers: Map<string, TokenBucket>;
}

/**
 * The provider side's rate limits (docs/policy.md, Rate limits), before a call reaches the provider:
 * `perCaller` (a bucket per calling app named there) and then `perInstance` (one bucket for this
 * sidecar's whole service). A rate `N/s` refills N tokens a second and holds `burst` (default N).
 * A refusal is RESOURCE_EXHAUSTED with `retry-after` (seconds until a token is due, rounded up),
 * which the consumer's sidecar passes to its app and neither retries nor counts against the provider.
 * Buckets follow the policy snapshot: a service whose limits did not change keeps its buckets
 * across revisions; a changed one starts full; those of services or callers gone are dropped.
 */
export class RateGate {
  private buckets = new Map<string, ServiceBuckets>();

  constructor(
    policies: SnapshotCell<PolicySnapshot>,
    private readonly metrics: LimitMetrics,
    private readonly now: () => number = Date.now,
  ) {
    this.rebuild(policies.current);
    policies.onSwap((s) => this.rebuild(s));
  }

  admit(caller: string, service: string): MeshError | undefined {
    const b = this.buckets.get(service);
    if (b === undefined) return undefined;
    const now = this.now();
    const own = b.limit.perCaller.get(caller);
    if (own !== undefined) {
      let bucket = b.callers.get(caller);
      if (!bucket) b.callers.set(caller, (bucket = new TokenBucket(own.rate, own.burst, now)));
      const ms = bucket.take(now);
      if (ms > 0) return this.refuse(service, caller, 'rate_caller', `rate limit of ${service} for caller ${caller} exceeded: ${describe(own)}`, ms);
    }
    const ms = b.instance?.take(now) ?? 0;
    if (ms > 0) return this.refuse(service, caller, 'rate_instance', `rate limit of ${service} on this instance exceeded: ${describe(b.limit.perInstance!)}`, ms);
    return undefined;
  }

  private refuse(service: string, caller: string, reason: 'rate_caller' | 'rate_instance', message: string, ms: number): MeshError {
    this.metrics.refused(service, caller, reason);
    return exhausted(message, Math.max(1, Math.ceil(ms / 1000)));
  }

  private rebuild(snapshot: PolicySnapshot): void {
    const next = new Map<string, ServiceBuckets>();
    const now = this.now();
    for (const [service, policy] of snapshot.byService) {
      const limit = policy.rateLimit;
      if (!limit) continue;
      const prev = this.buckets.get(service);
      const keepInstance = prev && same(prev.limit.perInstance, limit.perInstance);
      const callers = new Map<string, TokenBucket>();
      for (const [caller, bucket] of prev?.callers ?? []) if (same(prev!.limit.perCaller.get(caller), limit.perCaller.get(caller))) callers.set(caller, bucket);
      const instance = keepInstance ? prev.instance : limit.perInstance && new TokenBucket(limit.perInstance.rate, limit.perInstance.burst, now);
      next.set(service, { limit, instance, callers });
    }
    this.buckets = next;
  }
}

function same(a: Setting | undefined, b: Setting | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.rate === b.rate && a.burst === b.burst);
}

function describe(s: Setting): string {
  return `${+s.rate.toFixed(3)}/s, burst ${s.burst}`;
}
