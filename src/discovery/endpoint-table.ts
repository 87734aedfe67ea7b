import type { Endpoint, EndpointsSnapshot } from '../snapshot/snapshots';
import type { EndpointRecord } from '../registry/records';

interface Entry {
  record: EndpointRecord;
  /** The stream revision last seen for the key: a value seen again (a resync) is not news. */
  revision: number;
  /** This sidecar's clock (monotonic) when it last heard a new revision of the key. */
  heardAt: number;
  /** False for a record that was already old when first read: shown only once it is re-put. */
  live: boolean;
  /** What the snapshot depends on: a heartbeat that leaves it equal changes nothing. */
  signature: string;
}

/**
 * The discovery state of one sidecar, without NATS: which provider records it knows, when it
 * last heard of each, and the endpoints snapshot built from them.
 *
 * Liveness is judged by this sidecar's own clock: a record is dropped when no new revision of it
 * was heard for a TTL *while discovery was known to work*. While JetStream is unusable (no
 * connection, a watch that fails, heartbeats that cannot be stored) nothing ages, and when it
 * works again every record gets a full TTL from that moment: a provider is dropped because it is
 * gone (its drain deletes its record, its connections fail), not because NATS could not store its
 * heartbeat for a while.
 *
 * Snapshots are rebuilt per service, and only for services whose providers changed; a heartbeat
 * that changes nothing costs one map look-up.
 */
export class EndpointTable {
  private readonly entries = new Map<string, Entry>();
  /** service → keys of the live entries providing it. */
  private readonly providers = new Map<string, Set<string>>();
  private readonly dirty = new Set<string>();
  private byService = new Map<string, readonly Endpoint[]>();
  private healthySince: number | undefined;
  private first = true;

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {
    this.healthySince = now();
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * A value of a key. `ageMs` is how old the server says it is, used only to hold back a record
   * that was already stale when this sidecar first read it (a provider that died before this
   * sidecar started); a live provider re-puts within a heartbeat and is then shown.
   */
  put(key: string, revision: number, record: EndpointRecord, ageMs = 0): void {
    const prev = this.entries.get(key);
    if (prev && prev.revision === revision) return;
    const now = this.now();
    const signature = `${record.app}@${record.address}/${record.services.map((s) => `${s.name}:${s.protocol}:${s.encoding ?? ''}`).join('+')}${JSON.stringify(record.labels ?? {})}`;
    const live = prev !== undefined || ageMs <= this.ttlMs;
    if (prev && prev.live && prev.signature === signature) {
      prev.revision = revision;
      prev.heardAt = now;
      prev.record = record;
      return;
    }
    if (prev?.live) this.unindex(key, prev);
    const entry: Entry = { record, revision, heardAt: now, live, signature };
    this.entries.set(key, entry);
    if (live) this.index(key, entry);
  }

  revisionOf(key: string): number | undefined {
    return this.entries.get(key)?.revision;
  }

  /**
   * Shows the records held back as stale at first read: when none of the records read was fresh,
   * it is JetStream that could not store heartbeats, not every provider that died.
   */
  promoteHeldBack(): void {
    for (const [key, e] of this.entries) {
      if (e.live) continue;
      e.live = true;
      this.index(key, e);
    }
  }

  /** The key was deleted (a drain) or purged: the provider goes at once. */
  remove(key: string): void {
    const prev = this.entries.get(key);
    if (!prev) return;
    this.entries.delete(key);
    if (prev.live) this.unindex(key, prev);
  }


  /** JetStream is not usable right now: stop ageing records. */
  unhealthy(): void {
    this.healthySince = undefined;
  }

  get isHealthy(): boolean {
    return this.healthySince !== undefined;
  }

  /** Discovery works again: every record gets a full TTL from now to be heard of. */
  healthy(): void {
    if (this.healthySince === undefined) this.healthySince = this.now();
  }

  /** Drops the records not heard of for a TTL while discovery worked. */
  expire(): void {
    const since = this.healthySince;
    if (since === undefined) return;
    const now = this.now();
    for (const [key, e] of this.entries) if (now - Math.max(e.heardAt, since) > this.ttlMs) this.remove(key);
  }

  /** The new snapshot when the live set changed since the last call (and always the first time). */
  takeSnapshot(): EndpointsSnapshot | undefined {
    if (!this.dirty.size && !this.first) return undefined;
    this.first = false;
    const next = new Map(this.byService);
    for (const service of this.dirty) {
      const keys = this.providers.get(service);
      if (!keys?.size) {
        next.delete(service);
        continue;
      }
      const list: Endpoint[] = [];
      for (const key of keys) {
        const r = this.entries.get(key)!.record;
        const svc = r.services.find((s) => s.name === service)!;
        list.push(Object.freeze({ instance: r.instance, app: r.app, address: r.address, protocol: svc.protocol, encoding: svc.encoding, labels: Object.freeze({ ...r.labels }) }));
      }
      next.set(service, Object.freeze(list.sort((a, b) => a.instance.localeCompare(b.instance))));
    }
    this.dirty.clear();
    this.byService = next;
    return Object.freeze({ byService: next });
  }

  /** Live sidecars of an app, consumers included (every sidecar announces a record): the even share of a quota when its store does not answer. */
  sidecarsOf(app: string): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.live && e.record.app === app) n++;
    return n;
  }

  /** `key@address/services` of every live provider record, for the log line of a new snapshot (consumer-only sidecars announce no services and are no endpoints). */
  describe(): string[] {
    const out: string[] = [];
    for (const [key, e] of this.entries) if (e.live && e.record.services.length) out.push(`${key}@${e.signature.slice(e.signature.indexOf('@') + 1)}`);
    return out.sort();
  }

  private index(key: string, e: Entry): void {
    for (const s of e.record.services) {
      let keys = this.providers.get(s.name);
      if (!keys) this.providers.set(s.name, (keys = new Set()));
      keys.add(key);
      this.dirty.add(s.name);
    }
  }

  private unindex(key: string, e: Entry): void {
    for (const s of e.record.services) {
      this.providers.get(s.name)?.delete(key);
      this.dirty.add(s.name);
    }
  }
}
