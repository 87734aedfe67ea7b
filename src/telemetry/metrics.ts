import { escapeLabel as esc, PolicyMetrics } from './policy-metrics';

/**
 * Request metrics per (direction, caller, service, method, code), kept as plain counters and
 * rendered as Prometheus text on demand. One Map look-up per call; no allocation on a hit.
 */
export const bucketsSeconds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type Direction = 'outbound' | 'inbound';

/** Service and method label of calls that named nothing known: one series, however many URLs. */
export const unroutedLabel = '(unknown)';

/** One label set's counters: what a sidecar publishes and what the control plane adds up. */
export interface SeriesSample {
  readonly direction: string;
  readonly caller: string;
  readonly service: string;
  readonly method: string;
  readonly code: string;
  count: number;
  sum: number;
  /** Cumulative counts per bucket of `bucketsSeconds`. */
  readonly buckets: number[];
}

export class Metrics {
  private readonly series = new Map<string, SeriesSample>();
  /** What policy did (retries, ejections, faults, subsets, revisions); rendered after the request series. */
  readonly policy = new PolicyMetrics();

  observe(direction: Direction, caller: string, service: string, method: string, code: string, seconds: number): void {
    const key = `${direction}\u0000${caller}\u0000${service}\u0000${method}\u0000${code}`;
    let s = this.series.get(key);
    if (!s) {
      s = { direction, caller, service, method, code, count: 0, sum: 0, buckets: new Array(bucketsSeconds.length).fill(0) };
      this.series.set(key, s);
    }
    s.count++;
    s.sum += seconds;
    for (let i = 0; i < bucketsSeconds.length; i++) if (seconds <= bucketsSeconds[i]) s.buckets[i]++;
  }

  samples(): SeriesSample[] {
    return [...this.series.values()];
  }

  render(): string {
    return renderPrometheus(this.series.values()) + this.policy.render();
  }
}

export function seriesKey(s: SeriesSample): string {
  return `${s.direction}\u0000${s.caller}\u0000${s.service}\u0000${s.method}\u0000${s.code}`;
}

/** Prometheus text exposition of request series, shared by the sidecar and the control plane. */
export function renderPrometheus(series: Iterable<SeriesSample>): string {
  const all = [...series].map((s) => ({ s, labels: labelsOf(s) }));
  const out: string[] = ['# HELP transmesh_requests_total Calls through the sidecar.', '# TYPE transmesh_requests_total counter'];
  for (const { s, labels } of all) out.push(`transmesh_requests_total{${labels}} ${s.count}`);
  out.push('# HELP transmesh_request_errors_total Calls that ended with a code other than OK.', '# TYPE transmesh_request_errors_total counter');
  for (const { s, labels } of all) if (s.code !== 'OK') out.push(`transmesh_request_errors_total{${labels}} ${s.count}`);
  out.push('# HELP transmesh_request_duration_seconds Time from request to response.', '# TYPE transmesh_request_duration_seconds histogram');
  for (const { s, labels } of all) {
    for (let i = 0; i < bucketsSeconds.length; i++) out.push(`transmesh_request_duration_seconds_bucket{${labels},le="${bucketsSeconds[i]}"} ${s.buckets[i]}`);
    out.push(`transmesh_request_duration_seconds_bucket{${labels},le="+Inf"} ${s.count}`);
    out.push(`transmesh_request_duration_seconds_sum{${labels}} ${s.sum}`);
    out.push(`transmesh_request_duration_seconds_count{${labels}} ${s.count}`);
  }
  return out.join('\n') + '\n';
}

function labelsOf(s: SeriesSample): string {
  return `direction="${esc(s.direction)}",caller="${esc(s.caller)}",service="${esc(s.service)}",method="${esc(s.method)}",code="${esc(s.code)}"`;
}
