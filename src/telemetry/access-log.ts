import { z } from 'zod';
import { joinLines, writeHeader, writeSample } from './exposition';

/**
 * One access-log record: the keys docs/observability.md (Access logs) lists, plus the sidecar's own
 * conversion time. Sidecars publish batches of these; the control plane validates them with
 * this schema before it writes them.
 */
export const accessRecord = z.object({
  time: z.string(),
  direction: z.enum(['outbound', 'inbound']),
  requestId: z.string(),
  traceId: z.string().nullable(),
  caller: z.string(),
  service: z.string(),
  method: z.string(),
  code: z.string(),
  durationMs: z.number().nonnegative(),
  attempts: z.number().int().nonnegative(),
  subset: z.string().nullable(),
  provider: z.string().nullable(),
  /** Time the sidecar spent converting JSON ⇄ wire for this call (0 inbound: bytes pass through). */
  convertMs: z.number().nonnegative(),
});
export type AccessRecord = z.infer<typeof accessRecord>;

/** What a sidecar publishes on `transmesh.logs.<app>`: a batch of records and its drop count so far. */
export const accessBatch = z.object({ instance: z.string(), app: z.string(), dropped: z.number().nonnegative(), records: z.array(accessRecord) });
export type AccessBatch = z.infer<typeof accessBatch>;

export interface AccessLogOptions {
  /** Share of successful, fast calls kept, 0..1 (errors and slow calls are always kept). */
  readonly sample: number;
  /** A call at least this long is slow, so always kept. */
  readonly slowMs: number;
  /** Records held at most between two drains; more are dropped and counted. */
  readonly capacity: number;
}

export const defaultAccessLogOptions: AccessLogOptions = { sample: 1, slowMs: 1000, capacity: 10_000 };

/**
 * The data plane's side of access logging: a bounded buffer a call appends to in O(1) and never
 * waits on. The node layer drains it in batches onto NATS; when the buffer is full (NATS slow or
 * away) records are dropped and counted, never queued without bound.
 */
export class AccessLog {
  private buffer: AccessRecord[] = [];
  /** Records not kept because the buffer was full. */
  dropped = 0;
  /** Records not kept by sampling (successful fast calls beyond the sampled share). */
  sampledOut = 0;

  constructor(
    readonly options: AccessLogOptions = defaultAccessLogOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * Whether a call that ended with `code` after `durationMs` should be recorded at all. `sample`
   * overrides the sidecar's share for one call (the hook for a per-service share from policy).
   */
  keeps(code: string, durationMs: number, sample = this.options.sample): boolean {
    if (code !== 'OK' || durationMs >= this.options.slowMs || sample >= 1) return true;
    if (sample > 0 && this.random() < sample) return true;
    this.sampledOut++;
    return false;
  }

  add(record: AccessRecord): void {
    if (this.buffer.length >= this.options.capacity) {
      this.dropped++;
      return;
    }
    this.buffer.push(record);
  }

  /** Takes everything buffered (the publisher's side). */
  drain(): AccessRecord[] {
    if (!this.buffer.length) return this.buffer;
    const out = this.buffer;
    this.buffer = [];
    return out;
  }

  get size(): number {
    return this.buffer.length;
  }

  /** Prometheus text for the sidecar's /metrics. */
  render(): string {
    const out: string[] = [];
    writeHeader(out, 'transmesh_access_log_dropped_total', 'counter', 'Access-log records dropped because the buffer was full.');
    writeSample(out, 'transmesh_access_log_dropped_total', '', this.dropped);
    writeHeader(out, 'transmesh_access_log_sampled_out_total', 'counter', 'Successful fast calls not recorded by sampling.');
    writeSample(out, 'transmesh_access_log_sampled_out_total', '', this.sampledOut);
    return joinLines(out);
  }
}

/** The trace id of a W3C `traceparent`, or null when there is none (or it is malformed). */
export function traceIdOf(traceparent: string | undefined): string | null {
  if (!traceparent || traceparent.length < 55 || traceparent[2] !== '-') return null;
  const id = traceparent.slice(3, 35);
  return /^[0-9a-f]{32}$/.test(id) && id !== '00000000000000000000000000000000' ? id : null;
}

/** Microsecond precision is plenty in a log line. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** One readable line per record, for `transmesh logs` without --json. */
export function formatRecord(r: AccessRecord): string {
  const arrow = r.direction === 'outbound' ? '→' : '←';
  const where = r.subset ? `${r.provider ?? '-'} [${r.subset}]` : (r.provider ?? '-');
  const attempts = r.attempts > 1 ? ` attempts=${r.attempts}` : '';
  return `${r.time} ${r.direction.padEnd(8)} ${r.caller} ${arrow} ${r.service}/${r.method} ${r.code} ${r.durationMs.toFixed(1)}ms provider=${where}${attempts} request=${r.requestId || '-'} trace=${r.traceId ?? '-'}`;
}
