import type { KV, KvEntry } from 'nats';
import type { Logger } from '../log/logger';
import { decodeJson, isTransient, watchKv } from '../registry/kv';
import { retrying } from '../registry/backoff';
import { EndpointRecord, endpointRecord } from '../registry/records';
import { isLiveRecord, liveSidecars, sidecarName } from '../discovery/live-sidecars';

/** What every live sidecar must end up running: service → revision, or undefined once deleted. */
export type Wanted = ReadonlyMap<string, number | undefined>;

export interface Confirmation {
  /** `<app>/<instance>` of each sidecar that applied it. */
  confirmed: string[];
  /** `<app>/<instance>: why`, for each that did not in time or reported an error. */
  failed: string[];
}

export { isLiveRecord };

/** Where one sidecar stands: done, still to come, or refused with the error it reported. */
export function standing(rec: EndpointRecord, wanted: Wanted): 'done' | 'pending' | { error: string } {
  for (const [service, revision] of wanted) {
    const runs = rec.policies[service];
    if (runs === revision) continue;
    const err = rec.policyErrors[service];
    if (revision !== undefined && err?.revision === revision) return { error: `${service} revision ${revision}: ${err.error}` };
    return 'pending';
  }
  return 'done';
}

/**
 * Waits until every sidecar live when it starts reports, in its discovery record, that it runs
 * the wanted revisions, or until `timeoutMs`. A sidecar that withdraws meanwhile (drained) is
 * not waited for; one that reports an error for the wanted revision is failed at once.
 */
export async function awaitConfirmation(kv: KV, wanted: Wanted, timeoutMs: number, log: Logger): Promise<Confirmation> {
  const live = new Map<string, EndpointRecord>();
  const settled = new Map<string, { ok: boolean; why?: string }>();
  let initial = true;
  let wake: () => void = () => {};
  const changed = new Promise<void>((r) => (wake = r));
  const track = (key: string, rec: EndpointRecord) => {
    live.set(key, rec);
    const s = standing(rec, wanted);
    if (s === 'done') settled.set(key, { ok: true });
    else if (s !== 'pending') settled.set(key, { ok: false, why: s.error });
    else settled.delete(key);
  };
  const onEntry = (e: KvEntry) => {
    if (e.operation !== 'PUT') {
      if (live.delete(e.key)) settled.delete(e.key);
    } else {
      let rec: EndpointRecord;
      try {
        rec = decodeJson(endpointRecord, e.value);
      } catch {
        return;
      }
      // Only sidecars live at the start are waited for; ones that start later load the store as it is.
      if (initial ? !isLiveRecord(rec, e.created.getTime(), Date.now()) : !live.has(e.key)) return;
      track(e.key, rec);
    }
    if (!initial && settled.size === live.size) wake();
  };
  // A discovery stream electing a leader (a NATS node died) is waited out, not reported as a failed apply.
  const stop = await retrying(
    async () => {
      // The live sidecars are listed first: the watch's current values can be declared complete
      // before a record that a heartbeat replaced meanwhile arrives (nats.js counts the messages
      // it expected, and a newer heartbeat of another key stands in for it), and a sidecar first
      // seen after that would not be waited for.
      for (const s of await liveSidecars(kv)) track(s.record.instance, s.record);
      return watchKv(kv, '>', onEntry, log, { initTimeoutMs: 5000 });
    },
    (err) => {
      if (!isTransient(err) && !/did not arrive within/.test(String((err as Error)?.message))) throw err;
    },
    15_000,
  );
  initial = false;
  try {
    if (settled.size < live.size) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([changed, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
      clearTimeout(timer);
    }
  } finally {
    stop();
  }
  const confirmed: string[] = [];
  const failed: string[] = [];
  for (const [key, rec] of live) {
    const s = settled.get(key);
    if (s?.ok) confirmed.push(sidecarName(rec));
    else failed.push(`${sidecarName(rec)}: ${s?.why ?? `did not confirm within ${timeoutMs} ms`}`);
  }
  return { confirmed: confirmed.sort(), failed: failed.sort() };
}
