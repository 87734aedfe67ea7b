import { KV, KvEntry } from 'nats';
import type { Logger } from '../log/logger';
import { Endpoint, EndpointsSnapshot } from '../snapshot/snapshots';
import { EndpointRecord, endpointRecord } from '../registry/records';
import { decodeJson, watchKv } from '../registry/kv';

interface Seen {
  record: EndpointRecord;
  lastSeen: number;
}

/**
 * Follows the discovery bucket. The watch delivers every current record first, so a sidecar
 * that starts late knows the providers at once; a record whose heartbeats stop is dropped
 * after the TTL (the bucket itself does not tell watchers when a key ages out).
 */
export class EndpointsWatcher {
  private readonly seen = new Map<string, Seen>();
  private sweeper: NodeJS.Timeout | undefined;
  private stopWatch: (() => void) | undefined;
  private lastKey = '';
  private connected = true;

  constructor(
    private readonly kv: KV,
    private readonly ttlMs: number,
    private readonly onSnapshot: (s: EndpointsSnapshot) => void,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    await this.watch();
    this.publish(true);
    this.sweeper = setInterval(() => this.publish(false), Math.max(100, Math.floor(this.ttlMs / 4)));
    this.sweeper.unref();
  }

  /**
   * While NATS is away no heartbeat can arrive, so ages mean nothing: the last snapshot is kept
   * as it is.
   */
  disconnected(): void {
    this.connected = false;
  }

  /**
   * NATS is back: watch again from the current state (an old watch's consumer can take many
   * seconds to notice it was cut), and give every known record one more TTL to prove it is alive.
   */
  async reconnected(): Promise<void> {
    this.stopWatch?.();
    await this.watch();
    const now = Date.now();
    for (const s of this.seen.values()) s.lastSeen = Math.max(s.lastSeen, now);
    this.connected = true;
    this.publish(false);
  }

  stop(): void {
    clearInterval(this.sweeper);
    this.stopWatch?.();
  }

  private async watch(): Promise<void> {
    this.stopWatch = await watchKv(this.kv, '>', (e) => this.apply(e), this.log);
  }


  private apply(e: KvEntry): void {
    if (e.operation !== 'PUT') {
      this.seen.delete(e.key);
    } else {
      try {
        // The server's timestamp, so a stale record read at start is not taken for a fresh one.
        const lastSeen = Math.min(Date.now(), e.created.getTime());
        this.seen.set(e.key, { record: decodeJson(endpointRecord, e.value), lastSeen });
      } catch (err) {
        this.log.warn({ err, key: e.key }, 'ignoring a malformed endpoint record');
        return;
      }
    }
    this.publish(false);
  }

  /** Emits a new snapshot only when the live set changed. */
  private publish(force: boolean): void {
    if (!this.connected && !force) return;
    const now = Date.now();
    const byService = new Map<string, Endpoint[]>();
    const keys: string[] = [];
    for (const [key, s] of this.seen) {
      if (now - s.lastSeen > this.ttlMs) continue;
      keys.push(`${key}@${s.record.address}/${s.record.services.map((x) => `${x.name}:${x.protocol}`).join('+')}`);
      for (const svc of s.record.services) {
        const list = byService.get(svc.name) ?? [];
        list.push(Object.freeze({ instance: s.record.instance, app: s.record.app, address: s.record.address, protocol: svc.protocol, thriftProtocol: svc.thriftProtocol, labels: {} }));
        byService.set(svc.name, list);
      }
    }
    const key = keys.sort().join(',');
    if (!force && key === this.lastKey) return;
    this.lastKey = key;
    for (const list of byService.values()) Object.freeze(list.sort((a, b) => a.instance.localeCompare(b.instance)));
    this.onSnapshot(Object.freeze({ byService }));
    this.log.info({ endpoints: keys }, 'endpoints snapshot');
  }
}
