import type { KV } from 'nats';
import { isLive } from '../registry/kv';
import { EndpointRecord, endpointRecord } from '../registry/records';

/**
 * A record is live while its heartbeats keep coming: the same 3.5 heartbeats sidecars allow each
 * other, but never less than a heartbeat and 2 s, so that very short heartbeats (tests, tuned
 * meshes) do not drop a sidecar that a busy host held up for a moment.
 */
export function isLiveRecord(rec: EndpointRecord, putAt: number, now: number): boolean {
  return now - putAt <= Math.max(rec.heartbeatMs * 3.5, rec.heartbeatMs + 2000);
}

export interface LiveSidecar {
  readonly record: EndpointRecord;
  /** When NATS stored its last heartbeat (the server's clock). */
  readonly putAt: number;
}

/**
 * Every live sidecar in the discovery bucket, consumers included, sorted by app and instance.
 * A record that does not parse is skipped: a newer sidecar's fields are optional, an unreadable one is not ours.
 */
export async function liveSidecars(kv: KV, now = Date.now()): Promise<LiveSidecar[]> {
  // Keys first, records after: reading records while the key lister runs cuts the listing short.
  // A key re-put while the lister runs (every heartbeat) can come twice: a set keeps one.
  const keys = new Set<string>();
  for await (const k of await kv.keys()) keys.add(k);
  const out: LiveSidecar[] = [];
  for (const k of keys) {
    const e = await kv.get(k);
    if (!isLive(e)) continue;
    const parsed = endpointRecord.safeParse(safeJson(e.string()));
    if (parsed.success && isLiveRecord(parsed.data, e.created.getTime(), now)) out.push({ record: parsed.data, putAt: e.created.getTime() });
  }
  return out.sort((a, b) => a.record.app.localeCompare(b.record.app) || a.record.instance.localeCompare(b.record.instance));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const sidecarName = (rec: EndpointRecord) => `${rec.app}/${rec.instance}`;
