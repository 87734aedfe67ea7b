import { isFailure } from '../errors/failure-codes';
import type { SeriesSample } from '../telemetry/metrics';
import type { TelemetryAggregator } from './telemetry-aggregator';

/** One sidecar's traffic now, as `transmesh status` shows it. */
export interface InstanceRate {
  app: string;
  /** Calls per second over the last ~10 s, both directions. */
  rps: number;
  /** Share of those calls that failed (UNAVAILABLE, DEADLINE_EXCEEDED, …; not NOT_FOUND and other answers); null without calls. */
  failureRate: number | null;
}

interface Totals {
  calls: number;
  failures: number;
}

/**
 * Per-sidecar rates from the reports the aggregator keeps: each instance's cumulative totals
 * sampled every 2 s, the rate taken against the sample about 10 s old.
 */
export class InstanceRates {
  private readonly history: Array<{ at: number; totals: Map<string, Totals> }> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly telemetry: Pick<TelemetryAggregator, 'perInstance'>,
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), 2000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  sample(): void {
    const at = this.now();
    this.history.push({ at, totals: this.totals() });
    while (this.history.length > 1 && at - this.history[1].at >= this.windowMs) this.history.shift();
  }

  rates(): Record<string, InstanceRate> {
    const now = this.now();
    const base = this.history[0];
    const seconds = base ? (now - base.at) / 1000 : 0;
    const out: Record<string, InstanceRate> = {};
    for (const i of this.telemetry.perInstance()) {
      const t = sum(i.series);
      const b = base?.totals.get(i.instance) ?? { calls: 0, failures: 0 };
      const calls = Math.max(0, t.calls - b.calls);
      out[i.instance] = { app: i.app, rps: seconds > 0 ? Math.round((calls / seconds) * 100) / 100 : 0, failureRate: calls ? Math.max(0, t.failures - b.failures) / calls : null };
    }
    return out;
  }

  private totals(): Map<string, Totals> {
    return new Map(this.telemetry.perInstance().map((i) => [i.instance, sum(i.series)]));
  }
}

function sum(series: Iterable<SeriesSample>): Totals {
  const t = { calls: 0, failures: 0 };
  for (const s of series) {
    t.calls += s.count;
    if (isFailure(s.code)) t.failures += s.count;
  }
  return t;
}
