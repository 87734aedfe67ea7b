import type { NatsConnection, Subscription } from 'nats';
import type { Logger } from '../log/logger';
import { bucketsSeconds, ConversionSample, conversionBucketsSeconds, conversionKey, renderConversion, renderPrometheus, SeriesSample, seriesKey, sumSamples } from '../telemetry/metrics';
import { TelemetryReport, telemetryReport } from '../telemetry/telemetry-report';
import { Subjects } from '../registry/names';

/**
 * The control plane's mesh-wide view of request metrics: the latest report of every sidecar
 * instance, summed per label set. Every replica hears every report (no queue group), so any
 * replica can be scraped. An instance silent for `forgetMs` is dropped.
 */
export class TelemetryAggregator {
  private readonly latest = new Map<string, TelemetryReport>();
  private sub: Subscription | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly log: Logger,
    private readonly forgetMs = 10 * 60_000,
  ) {}

  start(): void {
    this.sub = this.nc.subscribe(`${Subjects.telemetry}.>`);
    const dec = new TextDecoder();
    void (async () => {
      for await (const msg of this.sub!) {
        const parsed = telemetryReport.safeParse(safeJson(dec.decode(msg.data)));
        if (!parsed.success || parsed.data.series.some((s) => s.buckets.length !== bucketsSeconds.length) || parsed.data.conversion.some((s) => s.buckets.length !== conversionBucketsSeconds.length)) {
          this.log.warn({ subject: msg.subject }, 'ignoring a malformed telemetry report');
          continue;
        }
        this.latest.set(parsed.data.instance, parsed.data);
      }
    })();
  }

  stop(): void {
    this.sub?.unsubscribe();
  }

  /** The mesh-wide sums of every instance's latest report (instances silent too long are forgotten). */
  sums(): { instances: number; series: Map<string, SeriesSample>; conversion: Map<string, ConversionSample> } {
    const now = Date.now();
    const series = new Map<string, SeriesSample>();
    const conversion = new Map<string, ConversionSample>();
    for (const [instance, report] of this.latest) {
      if (now - report.at > this.forgetMs) {
        this.latest.delete(instance);
        continue;
      }
      sumSamples(report.series, seriesKey, series);
      sumSamples(report.conversion, conversionKey, conversion);
    }
    return { instances: this.latest.size, series, conversion };
  }

  render(): string {
    const { instances, series, conversion } = this.sums();
    return `# transmesh control plane: ${instances} sidecar instance(s) reporting\n` + renderPrometheus(series.values()) + renderConversion(conversion.values());
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
