import { JetStreamClient, KV, KvEntry } from 'nats';
import type { Logger } from '../log/logger';
import { z } from 'zod';

const enc = new TextEncoder();
const dec = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return enc.encode(JSON.stringify(value));
}

/** Reads a stored JSON value through its schema: a record that does not match is refused, never half-used. */
export function decodeJson<S extends z.ZodTypeAny>(schema: S, data: Uint8Array): z.output<S> {
  return schema.parse(JSON.parse(dec.decode(data)));
}

export function isLive(e: KvEntry | null): e is KvEntry {
  return !!e && e.operation === 'PUT';
}

/**
 * Binds to a bucket, creating it the first time. An existing bucket is used as it is, so the
 * first process to create it decides its options: on a NATS cluster set TRANSMESH_KV_REPLICAS
 * (e.g. 3) for every process, or create the buckets beforehand (docs/architecture.md).
 */
export async function openBucket(js: JetStreamClient, name: string, opts: { history?: number; ttl?: number } = {}): Promise<KV> {
  const replicas = Number(process.env.TRANSMESH_KV_REPLICAS ?? 1);
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) throw new Error(`TRANSMESH_KV_REPLICAS must be 1 to 5, not "${process.env.TRANSMESH_KV_REPLICAS}"`);
  return js.views.kv(name, { history: opts.history ?? 1, ttl: opts.ttl ?? 0, replicas });
}

/**
 * Watches keys: every current value first, then every change. Resolves, with a function that
 * stops the watch, once the current values have been handed to `onEntry`.
 */
export async function watchKv(kv: KV, key: string, onEntry: (e: KvEntry) => void, log: Logger): Promise<() => void> {
  let initialized!: () => void;
  const ready = new Promise<void>((r) => (initialized = r));
  const iter = await kv.watch({ key, initializedFn: () => initialized() });
  void (async () => {
    for await (const e of iter) onEntry(e);
  })().catch((err) => log.error({ err, key }, 'watch ended'));
  await ready;
  return () => iter.stop();
}
