import type { NatsConnection, Subscription } from 'nats';
import type { Logger } from '../log/logger';
import { bucketsSeconds, renderPrometheus, SeriesSample, seriesKey } from '../telemetry/metrics';
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
        if (!parsed.success || parsed.data.series.some((s) => s.buckets.length !== bucketsSeconds.length)) {
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

  render(): string {
    const now = Date.now();
    const sums = new Map<string, SeriesSample>();
    for (const [instance, report] of this.latest) {
      if (now - report.at > this.forgetMs) {
        this.latest.delete(instance);
        continue;
      }
      for (const s of report.series) {
        const key = seriesKey(s);
        const acc = sums.get(key);
        if (!acc) sums.set(key, { ...s, buckets: [...s.buckets] });
        else {
          acc.count += s.count;
          acc.sum += s.sum;
          for (let i = 0; i < acc.buckets.length; i++) acc.buckets[i] += s.buckets[i];
        }
      }
    }
    return `# transmesh control plane: ${this.latest.size} sidecar instance(s) reporting\n` + renderPrometheus(sums.values());
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
