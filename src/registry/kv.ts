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

/** Read-modify-write of one JSON record with compare-and-set, retried on a concurrent change; `change` may throw to refuse. */
export async function updateRecord<S extends z.ZodTypeAny>(kv: KV, key: string, schema: S, change: (prev: z.output<S> | undefined) => z.output<S>): Promise<void> {
  for (;;) {
    const e = await kv.get(key);
    const prev = isLive(e) ? decodeJson(schema, e.value) : undefined;
    const next = change(prev);
    try {
      if (e) await kv.update(key, encodeJson(next), e.revision);
      else await kv.create(key, encodeJson(next));
      return;
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }
}

/** The next value of a counter key, by compare-and-set, so concurrent writers never get the same one. */
export async function nextCount(kv: KV, key: string): Promise<number> {
  for (;;) {
    const e = await kv.get(key);
    const next = isLive(e) ? Number(dec.decode(e.value)) + 1 : 1;
    try {
      if (e) await kv.update(key, enc.encode(String(next)), e.revision);
      else await kv.create(key, enc.encode(String(next)));
      return next;
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }
}

function isConflict(err: unknown): boolean {
  const msg = String((err as Error)?.message ?? err);
  return msg.includes('wrong last sequence') || msg.includes('key exists');
}

/**
 * Follows JSON records under `<prefix>.` into `into` (name after the prefix → record): a deleted
 * key is removed, a malformed record ignored with a warning; `onChange` runs after each change.
 */
export function followRecords<S extends z.ZodTypeAny>(
  kv: KV,
  prefix: string,
  schema: S,
  into: Map<string, z.output<S>>,
  onChange: () => void,
  log: Logger,
): Promise<() => void> {
  return watchKv(
    kv,
    `${prefix}.>`,
    (e) => {
      const name = e.key.slice(prefix.length + 1);
      if (!isLive(e)) into.delete(name);
      else {
        try {
          into.set(name, decodeJson(schema, e.value));
        } catch (err) {
          log.warn({ err, key: e.key }, `ignoring a malformed ${prefix} record`);
          return;
        }
      }
      onChange();
    },
    log,
  );
}
