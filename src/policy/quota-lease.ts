import { createHash } from 'node:crypto';
import type { Quota } from './service-policy';

/** Which counter a lease is taken from: one per service, quota, calling app and window. */
export interface QuotaKey {
  readonly service: string;
  /** Stable across revisions for the same window and methods, so a new revision keeps counting. */
  readonly quotaId: string;
  readonly caller: string;
  /** The methods the quota counts (empty = all), kept with the counter for `transmesh quota ls`. */
  readonly methods: readonly string[];
  readonly per: Quota['per'];
  readonly limit: number;
  readonly windowStart: number;
}

export interface LeaseGrant {
  /** Calls this sidecar may admit now. 0 = the quota is spent for this window. */
  readonly granted: number;
  /** What is left mesh-wide after this grant. */
  readonly remaining: number;
}

/**
 * The mesh-wide counter, in JetStream KV with compare-and-set (src/quota/kv-lease-source.ts).
 * The data plane only sees this interface (src/sidecar/limits/quota-ledger.ts) and never waits on it per call: leases are taken in
 * advance, and only a sidecar whose lease ran dry waits for the next one.
 */
export interface LeaseSource {
  /** Takes `size(remaining)` calls from the counter; rejects when the store cannot be reached. */
  take(key: QuotaKey, size: (remaining: number) => number): Promise<LeaseGrant>;
  /**
   * Adds calls admitted while the store could not be reached. `id` names the batch: a retry of a
   * settle whose write landed but whose answer was lost (an outage) is not added twice.
   */
  settle(key: QuotaKey, used: number, id: string): Promise<void>;
}

/** A quota's counter name within its service: the window and the methods, so a new revision with the same quota keeps counting. */
export function quotaId(q: Quota): string {
  const methods = [...q.methods].sort().join(',');
  return `${q.per}-${methods ? createHash('sha1').update(methods).digest('hex').slice(0, 10) : 'all'}`;
}
