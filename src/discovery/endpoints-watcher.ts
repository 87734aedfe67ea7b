import { KV, KvEntry } from 'nats';
import type { Logger } from '../log/logger';
import type { EndpointsSnapshot } from '../snapshot/snapshots';
import { endpointRecord } from '../registry/records';
import { decodeJson, watchKv } from '../registry/kv';
import { EndpointTable } from './endpoint-table';
import { Backoff, retrying } from '../registry/backoff';

export interface WatcherTimings {
  heartbeatMs: number;
  ttlMs: number;
  /** A monotonic clock in ms (tests pass a fake one). */
  now?: () => number;
  /** Wall-clock ms, only to tell how old a record the server returns is. */
  wallNow?: () => number;
}

/**
 * Follows the discovery bucket into endpoints snapshots (the rules of liveness are in
 * EndpointTable). The watch is distrusted: a KV watch can deliver nothing for many seconds after
 * a JetStream leader change, and its consumer can be lost on a reconnect. So the watch is
 * re-created, with a full resync and backoff, when
 * - it ends or its current values do not arrive in time,
 * - this sidecar's own stored heartbeat does not come back through it within two heartbeats,
 * - nothing at all arrives for three heartbeats while live providers are known (every live
 *   provider re-puts each heartbeat), backing off while resyncs find nothing new.
 * The old watch is always stopped before a new one starts, so no consumer is leaked.
 */
export class EndpointsWatcher {
  private readonly table: EndpointTable;
  private readonly now: () => number;
  private readonly wallNow: () => number;
  private readonly backoff: Backoff;
  private ticker: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopWatch: (() => void) | undefined;
  /** Each watch's entries are applied only while it is the current one. */
  private generation = 0;
  private syncing: Promise<void> | undefined;
  private lastEventAt: number;
  private quietLimitMs: number;
  private expected: { key: string; revision: number; storedAt: number } | undefined;
  private stopped = false;
  private disconnectedNow = false;

  constructor(
    private readonly kv: KV,
    private readonly timings: WatcherTimings,
    private readonly onSnapshot: (s: EndpointsSnapshot) => void,
    private readonly log: Logger,
  ) {
    this.now = timings.now ?? (() => performance.now());
    this.wallNow = timings.wallNow ?? Date.now;
    this.table = new EndpointTable(timings.ttlMs, this.now);
    this.backoff = new Backoff(250, 5000);
    this.lastEventAt = this.now();
    this.quietLimitMs = this.baseQuietLimit;
  }

  async start(): Promise<void> {
    await retrying(
      () => this.sync(),
      (err, retryInMs) => this.log.warn({ err, retryInMs }, 'could not watch discovery yet'),
    );
    const every = Math.max(50, Math.min(this.timings.heartbeatMs, Math.floor(this.timings.ttlMs / 4)));
    this.ticker = setInterval(() => this.tick(), every);
    this.ticker.unref();
  }

  /** While NATS is away no heartbeat can arrive, so ages mean nothing: the last snapshot is kept. */
  disconnected(): void {
    this.disconnectedNow = true;
    this.table.unhealthy();
  }

  /** NATS is back: watch again from the current state, and give every record a full TTL. */
  async reconnected(): Promise<void> {
    this.disconnectedNow = false;
    await this.resync('NATS connection back');
  }

  /** This sidecar's own heartbeat was stored at `revision`: the watch must show it soon. */
  heartbeatStored(key: string, revision: number): void {
    if ((this.table.revisionOf(key) ?? 0) >= revision) return;
    if (!this.expected || this.expected.key !== key) this.expected = { key, revision, storedAt: this.now() };
  }

  /** JetStream could not store this sidecar's heartbeat: nobody's can be, so nothing ages. */
  heartbeatFailed(): void {
    this.table.unhealthy();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.ticker);
    clearTimeout(this.retryTimer);
    this.stopWatch?.();
  }

  /** One periodic check: age records, detect a stalled watch. Public for tests with a fake clock. */
  tick(): void {
    if (this.stopped) return;
    this.table.expire();
    this.publish();
    if (this.syncing || this.disconnectedNow) return;
    const now = this.now();
    const hb = this.timings.heartbeatMs;
    if (this.expected && now - this.expected.storedAt > 2 * hb + 500) {
      void this.resync(`own heartbeat (revision ${this.expected.revision}) not seen through the watch`);
    } else if (this.table.size > 0 && now - this.lastEventAt > this.quietLimitMs) {
      void this.resync(`no discovery events for ${Math.round(now - this.lastEventAt)} ms`);
    }
  }

  /** Live sidecars of an app as discovery knows them (see EndpointTable.sidecarsOf). */
  sidecarsOf(app: string): number {
    return this.table.sidecarsOf(app);
  }

  /** The revision of a key this watcher last applied (for tests and debugging). */
  revisionOf(key: string): number | undefined {
    return this.table.revisionOf(key);
  }

  /** A resync is running. */
  get resyncing(): boolean {
    return this.syncing !== undefined;
  }

  get healthy(): boolean {
    return this.table.isHealthy;
  }

  private get baseQuietLimit(): number {
    return 3 * this.timings.heartbeatMs + 500;
  }

  /** Stops the current watch and starts another from the bucket's current state. */
  private resync(reason: string): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.syncing) return this.syncing;
    this.log.warn({ reason }, 'watching discovery again');
    clearTimeout(this.retryTimer);
    this.syncing = this.sync()
      .catch((err) => {
        this.table.unhealthy();
        const delay = this.backoff.next();
        this.log.warn({ err, retryInMs: delay }, 'could not watch discovery; keeping the last endpoints');
        this.retryTimer = setTimeout(() => void this.resync('retry'), delay);
        this.retryTimer.unref();
      })
      .finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async sync(): Promise<void> {
    this.stopWatch?.();
    this.stopWatch = undefined;
    const gen = ++this.generation;
    let initial = true;
    let news = 0;
    let fresh = 0;
    this.stopWatch = await watchKv(
      this.kv,
      '>',
      (e) => {
        if (gen !== this.generation) return;
        const known = this.table.revisionOf(e.key);
        if (known !== e.revision && (e.operation === 'PUT' || known !== undefined)) news++;
        this.apply(e);
        if (initial) {
          if (e.operation === 'PUT' && this.wallNow() - e.created.getTime() <= this.timings.ttlMs) fresh++;
        }
        else {
          this.onEvent();
          this.publish();
        }
      },
      this.log,
      {
        initTimeoutMs: Math.max(2000, 2 * this.timings.heartbeatMs),
        onEnd: () => {
          if (gen === this.generation) void this.resync('the watch ended');
        },
      },
    );
    initial = false;
    // Keys the bucket no longer holds are not dropped here but age out on this sidecar's clock: a
    // nats-server restarted after an outage purges every record at once by its max age, before
    // the providers (reconnecting too) could re-put theirs. A drain's delete is an event of its own.
    if (!fresh) this.table.promoteHeldBack();
    this.table.healthy();
    this.backoff.reset();
    this.lastEventAt = this.now();
    // A resync that found nothing new was a false alarm (providers just quiet): check less often.
    this.quietLimitMs = news > 0 ? this.baseQuietLimit : Math.min(this.quietLimitMs * 2, this.timings.ttlMs);
    this.publish();
  }

  private onEvent(): void {
    this.lastEventAt = this.now();
    this.quietLimitMs = this.baseQuietLimit;
    // A value stored and delivered proves JetStream works again.
    if (!this.disconnectedNow) this.table.healthy();
  }

  private apply(e: KvEntry): void {
    if (this.expected && e.key === this.expected.key && e.revision >= this.expected.revision) this.expected = undefined;
    if (e.operation !== 'PUT') {
      this.table.remove(e.key);
    } else {
      try {
        this.table.put(e.key, e.revision, decodeJson(endpointRecord, e.value), this.wallNow() - e.created.getTime());
      } catch (err) {
        this.log.warn({ err, key: e.key }, 'ignoring a malformed endpoint record');
      }
    }
  }

  private publish(): void {
    const snap = this.table.takeSnapshot();
    if (!snap) return;
    this.onSnapshot(snap);
    this.log.info({ endpoints: this.table.describe() }, 'endpoints snapshot');
  }
}
