import type { KV, NatsConnection } from 'nats';
import { openBucket } from '../registry/kv';
import { bucketOptions, Buckets } from '../registry/names';

/**
 * The quota counters' bucket. Its JetStream context answers within a second: a sidecar whose
 * lease ran dry would rather fall back to its share than hold a call for NATS's default 5 s.
 */
export function openQuotaBucket(nc: NatsConnection): Promise<KV> {
  return openBucket(nc.jetstream({ timeout: 1000 }), Buckets.quota, bucketOptions[Buckets.quota]);
}
