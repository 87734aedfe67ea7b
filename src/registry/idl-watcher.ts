import { KV, KvEntry } from 'nats';
import type { Logger } from '../log/logger';
import { compileBundle, LoadedBundle } from '../compile/compile-bundle';
import { IdlSnapshot, ServiceEntry } from '../snapshot/snapshots';
import { bundleRecord, ServiceRecord, serviceRecord } from './records';
import { decodeJson, isLive, watchKv } from './kv';
import { Backoff, retrying } from './backoff';

/**
 * Follows the registry bucket and turns it into whole IDL snapshots for the data plane.
 * Bundles are compiled once per version and kept; a bundle that fails to load leaves the
 * services it would have changed on their last good version.
 */
export class IdlWatcher {
  private readonly records = new Map<string, ServiceRecord>();
  private readonly bundles = new Map<number, LoadedBundle>();
  private current = new Map<string, ServiceEntry>();
  private rebuilding: Promise<void> | undefined;
  private dirty = false;
  private stopped = false;
  private emitted = false;
  private stopWatch: (() => void) | undefined;
  private restarting: Promise<void> | undefined;
  private checker: NodeJS.Timeout | undefined;
  /** The highest stream revision of a service record this watcher has applied. */
  private seenUpTo = 0;
  /** The bucket's last revision at the previous check, when the watch had not delivered it yet. */
  private pendingUpTo: number | undefined;

  constructor(
    private readonly kv: KV,
    private readonly onSnapshot: (s: IdlSnapshot) => void,
    private readonly log: Logger,
  ) {}

  /** Resolves once the registry as it is now has been loaded into a first snapshot. */
  async start(): Promise<void> {
    await retrying(
      () => this.watch(),
      (err, retryInMs) => this.log.warn({ err, retryInMs }, 'could not watch the registry yet'),
    );
    this.checker = setInterval(() => void this.check(), 10_000);
    this.checker.unref();
    await this.rebuild();
  }

  /**
   * Watches again from the current state: after NATS comes back, a watch's consumer can take
   * many seconds to notice it was cut, so the wiring restarts it at once.
   */
  restart(): Promise<void> {
    // One restart at a time: a second concurrent one would leave a watch behind.
    this.restarting ??= this.rewatch().finally(() => (this.restarting = undefined));
    return this.restarting;
  }

  private async rewatch(): Promise<void> {
    const backoff = new Backoff(250, 5000);
    for (;;) {
      if (this.stopped) return;
      try {
        this.stopWatch?.();
        this.stopWatch = undefined;
        await this.watch();
        return;
      } catch (err) {
        const delay = backoff.next();
        this.log.warn({ err, retryInMs: delay }, 'could not watch the registry; keeping the last IDL');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /**
   * Detects a watch that stalls silently (after a stream leader change a watch can deliver
   * nothing for many seconds). Only the registry writes this bucket, and every push or rollback
   * ends with a service record, so the bucket's last revision should come through the watch. If
   * a revision seen at one check has still not been delivered at the next, the watch is
   * re-created with a full resync. One check every 10 s is one small JetStream request.
   */
  async check(): Promise<void> {
    if (this.stopped || this.restarting) return;
    let last: number;
    try {
      last = (await this.kv.status()).streamInfo.state.last_seq;
    } catch {
      return; // NATS trouble: the connection status or the next check will tell.
    }
    const pending = this.pendingUpTo;
    if (pending !== undefined && this.seenUpTo < pending) {
      this.log.warn({ seenUpTo: this.seenUpTo, bucketAt: pending }, 'the registry watch fell behind; watching again');
      await this.restart();
      // The resync read everything up to then (a write that was no service record is not waited for again).
      this.seenUpTo = Math.max(this.seenUpTo, pending);
    }
    this.pendingUpTo = last > this.seenUpTo ? last : undefined;
  }

  stop(): void {
    clearInterval(this.checker);
    this.stopped = true;
    this.stopWatch?.();
  }

  private async watch(): Promise<void> {
    this.stopWatch = await watchKv(this.kv, 'service.>', (e) => this.apply(e), this.log, {
      initTimeoutMs: 5000,
      // A lost consumer (a JetStream leader change, a reconnect) is replaced, with a full resync.
      onEnd: () => void this.restart(),
    });
  }


  private apply(e: KvEntry): void {
    this.seenUpTo = Math.max(this.seenUpTo, e.revision);
    const name = e.key.slice('service.'.length);
    if (!isLive(e)) this.records.delete(name);
    else {
      try {
        this.records.set(name, decodeJson(serviceRecord, e.value));
      } catch (err) {
        this.log.warn({ err, key: e.key }, 'ignoring a malformed service record');
        return;
      }
    }
    void this.rebuild();
  }

  /** Rebuilds are serialized; updates that arrive during one cause exactly one more. */
  private rebuild(): Promise<void> {
    if (this.rebuilding) {
      this.dirty = true;
      return this.rebuilding;
    }
    this.rebuilding = (async () => {
      do {
        this.dirty = false;
        await this.build();
      } while (this.dirty && !this.stopped);
      this.rebuilding = undefined;
    })();
    return this.rebuilding;
  }

  private async build(): Promise<void> {
    const next = new Map<string, ServiceEntry>();
    let changed = this.current.size !== this.records.size;
    for (const [name, rec] of this.records) {
      const prev = this.current.get(name);
      if (prev && prev.version === rec.current) {
        next.set(name, prev);
        continue;
      }
      try {
        const bundle = await this.load(rec.current);
        const model = bundle.services.find((s) => s.name === name);
        if (!model) throw new Error(`version ${rec.current} does not define ${name}`);
        next.set(name, Object.freeze({ model, version: rec.current, root: bundle.root }));
        changed = true;
      } catch (err) {
        this.log.error({ err, service: name, version: rec.current }, 'keeping the last good version of a service');
        if (prev) next.set(name, prev);
      }
    }
    if (!changed && this.emitted) return;
    this.emitted = true;
    this.current = next;
    this.onSnapshot(Object.freeze({ services: next, loadedAt: Date.now() }));
    this.log.info({ services: Object.fromEntries([...next].map(([n, e]) => [n, e.version])) }, 'idl snapshot loaded');
  }

  private async load(version: number): Promise<LoadedBundle> {
    const cached = this.bundles.get(version);
    if (cached) return cached;
    const e = await this.kv.get(`bundle.${version}`);
    if (!isLive(e)) throw new Error(`bundle ${version} is missing`);
    const rec = decodeJson(bundleRecord, e.value);
    const loaded = compileBundle(rec.files, rec.entries);
    this.bundles.set(version, loaded);
    return loaded;
  }
}
