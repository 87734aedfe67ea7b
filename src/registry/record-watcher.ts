import type { KV, KvEntry } from 'nats';
import type { z } from 'zod';
import type { Logger } from '../log/logger';
import { Backoff, retrying } from './backoff';
import { decodeJson, isLive, watchKv } from './kv';

/**
 * A watcher of the `service.<name>` records of one bucket (IDL registry, policy store) that
 * turns them into whole snapshots in `rebuild`, which subclasses provide. It survives NATS
 * trouble: start-up waits out a leader election, a watch that ends or stalls is re-created
 * with a full resync (the old one stopped first), and until then the last snapshot stays.
 */
export abstract class RecordWatcher<S extends z.ZodTypeAny> {
  protected readonly records = new Map<string, z.output<S>>();
  protected stopped = false;
  private stopWatch: (() => void) | undefined;
  private restarting: Promise<void> | undefined;
  private checker: NodeJS.Timeout | undefined;
  /** The highest stream revision of a service record this watcher has applied. */
  private seenUpTo = 0;
  /** The bucket's last revision at the previous check, when the watch had not delivered it yet. */
  private pendingUpTo: number | undefined;

  constructor(
    protected readonly kv: KV,
    private readonly schema: S,
    protected readonly log: Logger,
    /** What is watched, for log lines: "the registry", "policies". */
    private readonly what: string,
  ) {}

  /** Resolves once the bucket as it is now has been loaded into a first snapshot. */
  async start(): Promise<void> {
    await retrying(
      () => this.watch(),
      (err, retryInMs) => this.log.warn({ err, retryInMs }, `could not watch ${this.what} yet`),
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

  /**
   * Detects a watch that stalls silently (after a stream leader change a watch can deliver
   * nothing for many seconds). Every write to these buckets ends with a service record, so the
   * bucket's last revision should come through the watch. If a revision seen at one check has
   * still not been delivered at the next, the watch is re-created with a full resync. One check
   * every 10 s is one small JetStream request.
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
      this.log.warn({ seenUpTo: this.seenUpTo, bucketAt: pending }, `the watch of ${this.what} fell behind; watching again`);
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

  protected abstract rebuild(): Promise<void>;

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
        this.log.warn({ err, retryInMs: delay }, `could not watch ${this.what}; keeping the last snapshot`);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
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
        this.records.set(name, decodeJson(this.schema, e.value));
      } catch (err) {
        this.log.warn({ err, key: e.key }, 'ignoring a malformed service record');
        return;
      }
    }
    this.rebuild().catch((err: unknown) => this.log.error({ err }, 'snapshot rebuild failed; keeping the last one'));
  }
}
