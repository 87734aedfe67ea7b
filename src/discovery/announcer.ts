import { KV } from 'nats';
import type { Logger } from '../log/logger';
import { EndpointRecord } from '../registry/records';
import { encodeJson } from '../registry/kv';

/**
 * A providing sidecar's presence in discovery: its record is re-put every heartbeat (the
 * put is the heartbeat), and deleted on drain so peers drop it at once instead of at the TTL.
 */
export class Announcer {
  private timer: NodeJS.Timeout | undefined;
  private withdrawn = false;

  constructor(
    private readonly kv: KV,
    private record: EndpointRecord,
    private readonly heartbeatMs: number,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.heartbeatMs);
    this.timer.unref();
    this.log.info({ instance: this.record.instance, address: this.record.address, services: this.record.services.map((s) => s.name) }, 'announced');
  }

  /** Changes part of the record (the policy revisions it runs) and puts it at once, not at the next heartbeat. */
  async update(change: Partial<EndpointRecord>): Promise<void> {
    this.record = { ...this.record, ...change };
    // Once withdrawn (draining), a put would bring the record back until its TTL.
    if (!this.withdrawn) await this.beat();
  }

  async withdraw(): Promise<void> {
    this.withdrawn = true;
    clearInterval(this.timer);
    try {
      await this.kv.delete(this.record.instance);
    } catch (err) {
      this.log.warn({ err }, 'could not withdraw from discovery; peers will drop this sidecar at its TTL');
    }
  }

  private async beat(): Promise<void> {
    try {
      await this.kv.put(this.record.instance, encodeJson(this.record));
    } catch (err) {
      this.log.warn({ err }, 'heartbeat failed');
    }
  }
}
