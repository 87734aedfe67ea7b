import type { KV, NatsConnection } from 'nats';
import { openBucket } from '../registry/kv';
import { bucketOptions, Buckets } from '../registry/names';
import type { LeaseSource } from '../policy/quota-lease';
import { KvLeaseSource } from './kv-lease-source';

/**
 * The quota counters' bucket. Its JetStream context answers within a second: a sidecar whose
 * lease ran dry would rather fall back to its share than hold a call for NATS's default 5 s.
 */
export function openQuotaBucket(nc: NatsConnection): Promise<KV> {
  return openBucket(nc.jetstream({ timeout: 1000 }), Buckets.quota, bucketOptions[Buckets.quota]);
}

/**
 * A sidecar's lease source: the bucket is opened on the first lease, and again after a failed
 * open, so a sidecar starts (and serves calls without quotas) even when the bucket cannot be
 * opened yet; its quotas fall back to their share until it can.
 */
export function quotaLeaseSource(nc: NatsConnection): LeaseSource {
  let source: Promise<KvLeaseSource> | undefined;
  const open = () =>
    (source ??= openQuotaBucket(nc).then(
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
