import type { NatsConnection } from 'nats';
import type { Logger } from '../log/logger';
import type { Metrics } from '../telemetry/metrics';
import type { TelemetryReport } from '../telemetry/telemetry-report';
import { Subjects } from '../registry/names';

/**
 * Publishes a sidecar's counters to the control plane, batched: one message every interval
 * with the cumulative values, so a lost message costs nothing and order does not matter.
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
    const report: TelemetryReport = { ...this.identity, at: Date.now(), series, conversion: this.metrics.conversionSamples() };
    try {
      this.nc.publish(`${Subjects.telemetry}.${this.identity.app}`, this.enc.encode(JSON.stringify(report)));
    } catch (err) {
      this.log.debug({ err }, 'telemetry not sent');
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.publish();
  }
}
