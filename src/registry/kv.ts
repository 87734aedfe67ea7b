import { JetStreamClient, KV, KvEntry } from 'nats';
import type { Logger } from '../log/logger';
import { z } from 'zod';
import { Backoff, retrying } from './backoff';
import { bucketOptions } from './names';

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
 * Creates a bucket, or binds to it when it exists. Only the control plane creates buckets (at start,
 * createBuckets below); sidecars and the CLI bind (bindBucket), so their NATS users need no right to
 * create or change a stream. An existing bucket is used as it is: on a NATS cluster set
 * TRANSMESH_KV_REPLICAS (e.g. 3) for the control planes, or create the buckets beforehand
 * (docs/architecture.md).
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

/** Every `transmesh_*` bucket, created with the mesh's options when missing: what a control plane does first. */
export async function createBuckets(js: JetStreamClient): Promise<Map<string, KV>> {
  const out = new Map<string, KV>();
  for (const [name, opts] of Object.entries(bucketOptions)) out.set(name, await openBucket(js, name, opts));
  return out;
}

/** The bucket's stream is missing: no control plane has created it yet. */
export function isMissingBucket(err: unknown): boolean {
  return /stream not found|\b10059\b/i.test(String((err as Error)?.message ?? err));
}

/** How often a process waiting for a bucket says so again. */
const waitingLogEveryMs = 30_000;

/**
 * Binds to an existing bucket without ever creating it. With `wait` (a sidecar starting), a missing
 * bucket is waited for, logged once and then every 30 s, because the control plane that creates it
 * may start later; without, a missing bucket is an error naming it. Transient JetStream errors
 * (a leader election) are waited out either way.
 */
export async function bindBucket(js: JetStreamClient, name: string, log: Logger, opts: { wait?: boolean } = {}): Promise<KV> {
  const backoff = new Backoff(250, 3000);
  const since = Date.now();
  let loggedAt = 0;
  for (;;) {
    try {
      const jsm = await js.jetstreamManager();
      // STREAM.INFO tells a missing bucket from an existing one and whether it serves direct gets.
      const info = await jsm.streams.info(`KV_${name}`);
      if (loggedAt) log.info({ bucket: name, waitedMs: Date.now() - since }, 'bucket found; going on');
      return await js.views.kv(name, { bindOnly: true, allow_direct: info.config.allow_direct === true });
    } catch (err) {
      const missing = isMissingBucket(err);
      if (missing && !opts.wait) throw new Error(`NATS has no bucket ${name}: a control plane creates it at start (is one running on this NATS?)`, { cause: err });
      if (!missing && (!isTransient(err) || (!opts.wait && Date.now() - since > 30_000))) throw err;
      if (Date.now() - loggedAt >= waitingLogEveryMs) {
        loggedAt = Date.now();
        log.warn({ bucket: name, reason: String((err as Error)?.message ?? err) }, missing ? `waiting for bucket ${name}: a control plane creates it at start` : `waiting for bucket ${name}`);
      }
      await new Promise((r) => setTimeout(r, backoff.next()));
    }
  }
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

