import type { KV } from 'nats';
import { z } from 'zod';
import type { LeaseGrant, LeaseSource, QuotaKey } from '../policy/quota-lease';
import { windowStart } from '../policy/quota-window';
import { decodeJson, encodeJson, isLive } from '../registry/kv';

/** What one counter holds: the key's fields (for `transmesh quota ls`) and the calls taken so far. */
export const counterRecord = z.object({
  service: z.string(),
  quotaId: z.string(),
  caller: z.string(),
  methods: z.array(z.string()),
  per: z.enum(['second', 'minute', 'hour', 'day']),
  limit: z.number(),
  windowStart: z.number(),
  used: z.number(),
  /** The last settle batches added, so a settle retried after a lost answer is not counted twice. */
  settles: z.array(z.string()).optional(),
});
export type CounterRecord = z.output<typeof counterRecord>;

/**
 * `<caller>.<service>.<quota>.<window start>`: the calling app first, because the consumer sidecars
 * of that app are the only ones that count it, so a NATS user per app can be allowed to write
 * `$KV.transmesh_quota.<app>.>` and no other app's counters (docs/security.md).
 */
export function counterKey(k: QuotaKey): string {
  return `${k.caller}.${k.service}.${k.quotaId}.${k.windowStart}`;
}

/**
 * Where counters were kept before they were keyed by the caller. Read (never written) when a
 * window's counter is first created, so the window that was running at an upgrade keeps its
 * count; the bucket's TTL removes these keys two days later.
 */
export function legacyCounterKey(k: QuotaKey): string {
  return `q.${k.service}.${k.quotaId}.${k.caller}.${k.windowStart}`;
}

const maxTries = 25;
/** Settle batches remembered per counter: far more than the sidecars that settle at once after an outage. */
const settlesKept = 64;

/**
 * Mesh-wide quota counters in the `transmesh_quota` bucket, one per service, quota, caller and
 * window, updated by compare-and-set so concurrent leases from many sidecars never grant past
 * the limit. A lease is one read and one conditional write; a conflict reads again.
 */
export class KvLeaseSource implements LeaseSource {
  constructor(private readonly kv: KV) {}

  async take(key: QuotaKey, size: (remaining: number) => number): Promise<LeaseGrant> {
    return this.change(key, (used) => {
      const left = Math.max(0, key.limit - used);
      const granted = Math.min(left, Math.max(0, size(left)));
      return { add: granted, result: { granted, remaining: left - granted } };
    });
  }

  async settle(key: QuotaKey, used: number, id: string): Promise<void> {
    if (used > 0) await this.change(key, (_used, settles) => ({ add: settles.includes(id) ? 0 : used, result: undefined, settled: id }));
  }

  private async change<R>(key: QuotaKey, f: (used: number, settles: readonly string[]) => { add: number; result: R; settled?: string }): Promise<R> {
    const name = counterKey(key);
    for (let i = 0; i < maxTries; i++) {
      const e = await this.kv.get(name);
      const prev = isLive(e) ? decodeJson(counterRecord, e.value) : await this.legacy(key);
      const used = prev?.used ?? 0;
      const settles = prev?.settles ?? [];
      const { add, result, settled } = f(used, settles);
      if (add === 0) return result;
      const next: CounterRecord = { ...key, methods: [...key.methods], used: used + add };
      if (settled || settles.length) next.settles = settled ? [...settles, settled].slice(-settlesKept) : [...settles];
      try {
        if (isLive(e)) await this.kv.update(name, encodeJson(next), e.revision);
        else await this.kv.create(name, encodeJson(next));
        return result;
      } catch (err) {
        if (!isConflict(err)) throw err;
        // Another sidecar won the race: read again after a short random pause.
        await new Promise((r) => setTimeout(r, Math.random() * 5 * (i + 1)));
      }
    }
    throw new Error(`quota counter ${name}: too many concurrent updates`);
  }

  /** The count an older version kept for this window, to start the new counter from. */
  private async legacy(key: QuotaKey): Promise<CounterRecord | undefined> {
    const e = await this.kv.get(legacyCounterKey(key));
    return isLive(e) ? decodeJson(counterRecord, e.value) : undefined;
  }
}

function isConflict(err: unknown): boolean {
  const msg = String((err as Error)?.message ?? err);
  return /wrong last sequence|key exists|10071|10164/i.test(msg);
}

/**
 * Every counter of the current windows (optionally of one service), for `transmesh quota ls`. A
 * counter under its legacy key counts only while no counter under the current key exists for it.
 */
export async function currentCounters(kv: KV, now: number, service?: string): Promise<CounterRecord[]> {
  const keys: string[] = [];
  for await (const k of await kv.keys()) keys.push(k);
  const found = new Map<string, CounterRecord>();
  for (const k of keys) {
    const e = await kv.get(k);
    if (!isLive(e)) continue;
    const rec = decodeJson(counterRecord, e.value);
    if (service && rec.service !== service) continue;
    if (rec.windowStart !== windowStart(now, rec.per)) continue;
    const current = counterKey(rec);
    if (k === current || !found.has(current)) found.set(current, rec);
  }
  const out = [...found.values()];
  return out.sort((a, b) => a.service.localeCompare(b.service) || a.caller.localeCompare(b.caller) || a.quotaId.localeCompare(b.quotaId));
}
