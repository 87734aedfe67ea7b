import { KV } from 'nats';
import type { Logger } from '../log/logger';
import { EndpointRecord } from '../registry/records';
import { encodeJson } from '../registry/kv';
import { Backoff } from '../registry/backoff';

/** Told of each heartbeat's fate, so the sidecar's own watcher can tell a stalled watch from a quiet one. */
export interface HeartbeatListener {
  heartbeatStored(key: string, revision: number): void;
  heartbeatFailed(): void;
}

/**
 * A providing sidecar's presence in discovery: its record is re-put every heartbeat (the
 * put is the heartbeat), and deleted on drain so peers drop it at once instead of at the TTL.
 * A put that fails (a JetStream leader election, a lost NATS node) is retried sooner than the
 * next heartbeat, with backoff; peers keep the record meanwhile, since they judge liveness by
 * what they hear while discovery works (EndpointTable).
 */
export class Announcer {
  private timer: NodeJS.Timeout | undefined;
  private outstanding = 0;
  private failures = 0;
  private stopped = false;
  private readonly backoff: Backoff;

  constructor(
    private readonly kv: KV,
    private readonly record: EndpointRecord,
    private readonly heartbeatMs: number,
    private readonly log: Logger,
    private readonly listener?: HeartbeatListener,
  ) {
    this.backoff = new Backoff(Math.min(250, heartbeatMs), heartbeatMs);
  }

  async start(): Promise<void> {
    await this.beat();
    this.log.info({ instance: this.record.instance, address: this.record.address, services: this.record.services.map((s) => s.name) }, 'announced');
  }

  async withdraw(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    try {
      await this.kv.delete(this.record.instance);
    } catch (err) {
      this.log.warn({ err }, 'could not withdraw from discovery; peers will drop this sidecar at its TTL');
    }
  }

  /**
   * One put, and the next scheduled a heartbeat from now whatever this one does: a put that hangs
   * (a leader election can hold it for seconds) does not hold back the next, though at most two
   * are outstanding. A failed put is retried sooner, with backoff.
   */
  private async beat(): Promise<void> {
    if (this.stopped) return;
    this.schedule(this.heartbeatMs);
    if (this.outstanding >= 2) return;
    this.outstanding++;
    try {
      const revision = await this.kv.put(this.record.instance, encodeJson(this.record));
      if (this.failures) this.log.warn({ failures: this.failures }, 'heartbeat stored again');
      this.failures = 0;
      this.backoff.reset();
      this.listener?.heartbeatStored(this.record.instance, revision);
    } catch (err) {
      if (!this.failures++) this.log.warn({ err }, 'heartbeat failed; retrying');
      this.listener?.heartbeatFailed();
      this.schedule(this.backoff.next());
    } finally {
      this.outstanding--;
    }
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.beat(), delay);
    this.timer.unref();
  }
}
