import { createWriteStream, WriteStream } from 'node:fs';
import type { NatsConnection, Subscription } from 'nats';
import type { Logger } from '../log/logger';
import { accessBatch } from '../telemetry/access-log';
import { accessLogQueue, Subjects } from '../registry/names';

/**
 * `transmesh control-plane --access-log FILE|-`: writes every access-log record sidecars send,
 * one JSON object a line. Replicas with the flag share a queue group, so each batch is written by
 * exactly one of them. `reopen()` (on SIGHUP) lets logrotate move the file away.
 */
export class AccessLogWriter {
  private sub: Subscription | undefined;
  private out: WriteStream | NodeJS.WriteStream;
  written = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly target: string,
    private readonly log: Logger,
  ) {
    this.out = this.open();
  }

  start(): void {
    this.sub = this.nc.subscribe(`${Subjects.accessLogs}.>`, { queue: accessLogQueue });
    const dec = new TextDecoder();
    void (async () => {
      for await (const msg of this.sub!) {
        let parsed;
        try {
          parsed = accessBatch.safeParse(JSON.parse(dec.decode(msg.data)));
        } catch {
          parsed = undefined;
        }
        if (!parsed?.success) {
          this.log.warn({ subject: msg.subject }, 'ignoring a malformed access-log batch');
          continue;
        }
        // Re-serialized from the schema's output, so a line holds exactly the contract's keys.
        let text = '';
        for (const r of parsed.data.records) text += JSON.stringify(r) + '\n';
        this.out.write(text);
        this.written += parsed.data.records.length;
      }
    })();
  }

  /** Closes the file and opens it again under the same name (after a rotation). */
  reopen(): void {
    if (this.target === '-') return;
    const old = this.out;
    this.out = this.open();
    old.end();
    this.log.info({ file: this.target }, 'access log reopened');
  }

  async stop(): Promise<void> {
    this.sub?.unsubscribe();
    if (this.target === '-') return;
    await new Promise<void>((r) => (this.out as WriteStream).end(() => r()));
  }

  private open(): WriteStream | NodeJS.WriteStream {
    if (this.target === '-') {
      // A closed stdout (the reader went away) must not take the control plane down with it.
      if (!process.stdout.listenerCount('error')) process.stdout.on('error', (err) => this.log.error({ err }, 'cannot write the access log to stdout'));
      return process.stdout;
    }
    const s = createWriteStream(this.target, { flags: 'a' });
    s.on('error', (err) => this.log.error({ err, file: this.target }, 'cannot write the access log'));
    return s;
  }
}
