import type { KV, NatsConnection } from 'nats';
import type { Logger } from '../log/logger';
import { bindBucket } from '../registry/kv';
import { Buckets } from '../registry/names';
import type { LeaseSource } from '../policy/quota-lease';
import { KvLeaseSource } from './kv-lease-source';

/**
 * The quota counters' bucket, bound (the control plane creates it). Its JetStream context answers
 * within a second: a sidecar whose lease ran dry would rather fall back to its share than hold a
 * call for NATS's default 5 s. A missing bucket is an error at once, not a wait, for the same reason.
 */
export function bindQuotaBucket(nc: NatsConnection, log: Logger): Promise<KV> {
  return bindBucket(nc.jetstream({ timeout: 1000 }), Buckets.quota, log);
}

/**
 * A sidecar's lease source: the bucket is bound on the first lease, and again after a failed
 * bind, so a sidecar starts (and serves calls without quotas) even when the bucket cannot be
 * reached yet; its quotas fall back to their share until it can.
 */
export function quotaLeaseSource(nc: NatsConnection, log: Logger): LeaseSource {
  let source: Promise<KvLeaseSource> | undefined;
  const open = () =>
    (source ??= bindQuotaBucket(nc, log).then(
      (kv) => new KvLeaseSource(kv),
      (err: unknown) => {
        source = undefined;
        throw err;
      },
    ));
  return {
    take: async (key, size) => (await open()).take(key, size),
    settle: async (key, used, id) => (await open()).settle(key, used, id),
  };
}
