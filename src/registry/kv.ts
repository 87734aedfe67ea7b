import { JetStreamClient, KV, KvEntry } from 'nats';
import type { Logger } from '../log/logger';
import { z } from 'zod';
import { retrying } from './backoff';

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
  // While a stream elects a leader (a NATS node just died) its API times out for seconds: wait.
  return retrying(
    () => js.views.kv(name, { history: opts.history ?? 1, ttl: opts.ttl ?? 0, replicas }),
    () => undefined,
  );
}

export interface WatchOptions {
  /** How long the current values may take to arrive before the watch is given up (and stopped). */
  initTimeoutMs?: number;
  /** The watch ended without being stopped (its consumer was lost): the caller watches again. */
  onEnd?: (err: unknown) => void;
}

/**
 * Watches keys: every current value first, then every change. Resolves, with a function that
 * stops the watch, once the current values have been handed to `onEntry`. A watch whose current
 * values do not arrive in time is stopped before the error is thrown, so no consumer is left behind.
 */
export async function watchKv(kv: KV, key: string, onEntry: (e: KvEntry) => void, log: Logger, opts: WatchOptions = {}): Promise<() => void> {
  let initialized!: () => void;
  const ready = new Promise<void>((r) => (initialized = r));
  const iter = await kv.watch({ key, initializedFn: () => initialized() });
  let stopped = false;
  const stop = () => {
    stopped = true;
    iter.stop();
  };
  const ended = (async () => {
    for await (const e of iter) onEntry(e);
  })().then(
    () => {
      if (!stopped) opts.onEnd?.(new Error('the watch ended'));
    },
    (err) => {
      log.warn({ err, key }, 'watch ended');
      if (!stopped) opts.onEnd?.(err);
    },
  );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    if (opts.initTimeoutMs) timer = setTimeout(() => reject(new Error(`the current values of ${key} did not arrive within ${opts.initTimeoutMs} ms`)), opts.initTimeoutMs);
  });
  try {
    await Promise.race([ready, timeout, ended.then(() => Promise.reject(new Error('the watch ended before its current values arrived')))]);
  } catch (err) {
    stop();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return stop;
}

/** A JetStream error that a moment later may not be: no stream leader (503), a timeout, a lost connection. */
export function isTransient(err: unknown): boolean {
  const msg = String((err as Error)?.message ?? err);
  return /\b503\b|TIMEOUT|timeout|no responders|CONNECTION_(CLOSED|DRAINING)|DISCONNECT|leader/i.test(msg) && !/wrong last sequence|key exists/.test(msg);
}

export type RegistryKv = Pick<KV, 'get' | 'put' | 'create' | 'update' | 'keys' | 'delete'>;
/** What compare-and-set needs of a bucket. */
export type CasKv = Pick<KV, 'get' | 'create' | 'update'>;

/**
 * The bucket operations of a control plane, each retried for a while on transient errors: a
 * push made while the registry stream elects a new leader (a NATS node died) waits the election
 * out instead of failing. Every operation the registry makes is safe to repeat: puts write the
 * same value, and compare-and-set writes re-read and re-apply on a conflict.
 */
export function patientKv(kv: KV, totalMs = 10000): RegistryKv {
  const patient = <A extends unknown[], R>(fn: (...a: A) => Promise<R>) => (...a: A) =>
    retrying(
      () => fn(...a),
      (err) => {
        if (!isTransient(err)) throw err;
      },
      totalMs,
    );
  return {
    get: patient(kv.get.bind(kv)),
    put: patient(kv.put.bind(kv)),
    create: patient(kv.create.bind(kv)),
    update: patient(kv.update.bind(kv)),
    keys: patient(kv.keys.bind(kv)),
    delete: patient(kv.delete.bind(kv)),
  };
}

/** Read-modify-write of one JSON record with compare-and-set, retried on a concurrent change; `change` may throw to refuse. */
export async function updateRecord<S extends z.ZodTypeAny>(kv: CasKv, key: string, schema: S, change: (prev: z.output<S> | undefined) => z.output<S>): Promise<void> {
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
export async function nextCount(kv: CasKv, key: string): Promise<number> {
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

export function isConflict(err: unknown): boolean {
  const msg = String((err as Error)?.message ?? err);
  return msg.includes('wrong last sequence') || msg.includes('key exists');
}

