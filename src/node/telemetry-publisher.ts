import type { NatsConnection } from 'nats';
import type { Logger } from '../log/logger';
import type { ConversionSample, Metrics, SeriesSample } from '../telemetry/metrics';
import { Subjects } from '../registry/names';

/** NATS's default max_payload, for a connection that has not said its own. */
const defaultMaxPayload = 1024 * 1024;

/**
 * Publishes a sidecar's counters to the control plane, batched: one report every interval
 * with the cumulative values, so a lost message costs nothing and order does not matter. A
 * report larger than the server's max_payload is split by series (the aggregator merges parts).
 */
export class TelemetryPublisher {
  private timer: NodeJS.Timeout | undefined;
  private readonly enc = new TextEncoder();

  constructor(
    private readonly nc: NatsConnection,
    private readonly metrics: Metrics,
    private readonly identity: { instance: string; app: string },
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.publish(), this.intervalMs);
    this.timer.unref();
  }

  /** Sends what is counted now; called on a timer and once more on drain. */
  publish(): void {
    const series = this.metrics.samples();
    if (!series.length || this.nc.isClosed()) return;
    const subject = `${Subjects.telemetry}.${this.identity.app}`;
    const parts = reportParts(this.identity, Date.now(), series, this.nc.info?.max_payload ?? defaultMaxPayload, this.metrics.conversionSamples());
    try {
      for (const p of parts) this.nc.publish(subject, this.enc.encode(p));
    } catch (err) {
      this.log.warn({ err, parts: parts.length }, 'telemetry not sent');
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.publish();
  }
}

/**
 * The report as JSON texts each at most `maxBytes` long (UTF-8), every one a whole report of
 * some of the series and conversion histograms. A single sample larger than the limit (never,
 * with bounded labels) is sent alone.
 */
export function reportParts(identity: { instance: string; app: string }, at: number, series: readonly SeriesSample[], maxBytes: number, conversion: readonly ConversionSample[] = []): string[] {
  const head = JSON.stringify({ ...identity, at }).slice(0, -1);
  const budget = maxBytes - Buffer.byteLength(head) - 32;
  const parts: string[] = [];
  let batch: { series: string[]; conversion: string[] } = { series: [], conversion: [] };
  let size = 0;
  const flush = () => {
    parts.push(`${head},"series":[${batch.series.join(',')}],"conversion":[${batch.conversion.join(',')}]}`);
    batch = { series: [], conversion: [] };
    size = 0;
  };
  const add = (kind: 'series' | 'conversion', sample: unknown) => {
    const text = JSON.stringify(sample);
    const bytes = Buffer.byteLength(text) + 1;
    if (size && size + bytes > budget) flush();
    batch[kind].push(text);
    size += bytes;
  };
  for (const s of series) add('series', s);
  for (const c of conversion) add('conversion', c);
  if (size) flush();
  return parts;
}
