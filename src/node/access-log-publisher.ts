import type { NatsConnection } from 'nats';
import type { Logger } from '../log/logger';
import type { AccessBatch, AccessLog } from '../telemetry/access-log';
import { Subjects } from '../registry/names';

/** Records per message: ~400 bytes each keeps a batch far below NATS' 1 MB default payload. */
const maxBatch = 500;

/**
 * Drains the sidecar's access-log buffer onto NATS (`transmesh.logs.<app>`) on a short timer,
 * off the request path. A batch NATS refuses is counted as dropped, never retried: logs must not
 * pile up in a sidecar whose NATS is away (the client already buffers while reconnecting).
 */
export class AccessLogPublisher {
  private timer: NodeJS.Timeout | undefined;
  private readonly enc = new TextEncoder();
  private readonly subject: string;

  constructor(
    private readonly nc: NatsConnection,
    private readonly accessLog: AccessLog,
    private readonly identity: { instance: string; app: string },
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {
    this.subject = `${Subjects.accessLogs}.${identity.app}`;
  }

  start(): void {
    this.timer = setInterval(() => this.flush(), this.intervalMs);
    this.timer.unref();
  }

  flush(): void {
    const records = this.accessLog.drain();
    for (let i = 0; i < records.length; i += maxBatch) {
      const part = records.slice(i, i + maxBatch);
      const batch: AccessBatch = { ...this.identity, dropped: this.accessLog.dropped, records: part };
      try {
        if (this.nc.isClosed()) throw new Error('NATS connection closed');
        this.nc.publish(this.subject, this.enc.encode(JSON.stringify(batch)));
      } catch (err) {
        this.accessLog.dropped += part.length;
        this.log.debug({ err, records: part.length }, 'access-log batch not sent');
      }
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.flush();
  }
}
