import type { NatsConnection, Subscription } from 'nats';
import type { Logger } from '../log/logger';
import { bucketsSeconds, ConversionSample, conversionBucketsSeconds, conversionKey, renderConversion, renderPrometheus, SeriesSample, seriesKey, sumSamples } from '../telemetry/metrics';
import { telemetryReport } from '../telemetry/telemetry-report';
import { Subjects } from '../registry/names';

interface InstanceState {
  /** When a report of this instance last arrived, by this replica's clock (sidecar clocks may be off). */
  heardAt: number;
  app: string;
  /** The instance's cumulative series; a report may carry only some of them (reports are split to fit NATS). */
  readonly series: Map<string, SeriesSample>;
  readonly conversion: Map<string, ConversionSample>;
}

/**
 * The control plane's mesh-wide view of request metrics: the latest values of every sidecar
 * instance, summed per label set. Every replica hears every report (no queue group), so any
 * replica can be scraped. An instance silent for `forgetMs` is dropped, but its last values
 * stay in a retained base: the sums are counters, and Prometheus reads a counter that goes down
 * as a reset.
 */
export class TelemetryAggregator {
  private readonly instances = new Map<string, InstanceState>();
  private readonly retained = { series: new Map<string, SeriesSample>(), conversion: new Map<string, ConversionSample>() };
  private sub: Subscription | undefined;
  private readonly dec = new TextDecoder();

  constructor(
    private readonly nc: NatsConnection | undefined,
    private readonly log: Logger,
    private readonly forgetMs = 10 * 60_000,
    /** The clock; tests pass a fake one. */
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    if (!this.nc) return;
    const sub = (this.sub = this.nc.subscribe(`${Subjects.telemetry}.>`));
    void (async () => {
      for await (const msg of sub) this.ingest(msg.data, msg.subject);
    })().catch((err: unknown) => this.log.error({ err }, 'telemetry subscription ended'));
  }

  stop(): void {
    this.sub?.unsubscribe();
  }

  /** Takes one report (or one part of a split report) as it came over NATS. */
  ingest(data: Uint8Array, subject: string): void {
    const parsed = telemetryReport.safeParse(safeJson(this.dec.decode(data)));
    if (!parsed.success || parsed.data.series.some((s) => s.buckets.length !== bucketsSeconds.length) || parsed.data.conversion.some((s) => s.buckets.length !== conversionBucketsSeconds.length)) {
      this.log.warn({ subject }, 'ignoring a malformed telemetry report');
      return;
    }
    const { instance, app, series, conversion } = parsed.data;
    let state = this.instances.get(instance);
    if (!state) this.instances.set(instance, (state = { heardAt: 0, app, series: new Map(), conversion: new Map() }));
    state.heardAt = this.now();
    for (const s of series) state.series.set(seriesKey(s), s);
    for (const s of conversion) state.conversion.set(conversionKey(s), s);
  }

  /** The mesh-wide sums: every live instance's latest values plus what forgotten instances left. */
  sums(): { instances: number; series: Map<string, SeriesSample>; conversion: Map<string, ConversionSample> } {
    this.forgetSilent();
    const series = sumSamples(this.retained.series.values(), seriesKey);
    const conversion = sumSamples(this.retained.conversion.values(), conversionKey);
    for (const state of this.instances.values()) {
      sumSamples(state.series.values(), seriesKey, series);
      sumSamples(state.conversion.values(), conversionKey, conversion);
    }
    return { instances: this.instances.size, series, conversion };
  }

  /** Each live instance's cumulative series as last reported, for per-sidecar rates (`transmesh status`). */
  perInstance(): Array<{ instance: string; app: string; heardAt: number; series: Iterable<SeriesSample> }> {
    this.forgetSilent();
    return [...this.instances].map(([instance, s]) => ({ instance, app: s.app, heardAt: s.heardAt, series: s.series.values() }));
  }

  render(): string {
    const { instances, series, conversion } = this.sums();
    return `# transmesh control plane: ${instances} sidecar instance(s) reporting\n` + renderPrometheus(series.values()) + renderConversion(conversion.values());
  }

  private forgetSilent(): void {
    const now = this.now();
    for (const [instance, state] of this.instances) {
      if (now - state.heardAt <= this.forgetMs) continue;
      this.instances.delete(instance);
      sumSamples(state.series.values(), seriesKey, this.retained.series);
      sumSamples(state.conversion.values(), conversionKey, this.retained.conversion);
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
