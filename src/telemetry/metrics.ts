/**
 * Request metrics per (direction, caller, service, method, code), kept as plain counters and
 * rendered as Prometheus text on demand. One Map look-up per call; no allocation on a hit.
 */
const bucketsSeconds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type Direction = 'outbound' | 'inbound';

interface Series {
  readonly labels: string;
  readonly code: string;
  count: number;
  sum: number;
  readonly buckets: number[];
}

export interface MetricsSample {
  direction: Direction;
  caller: string;
  service: string;
  method: string;
  code: string;
  seconds: number;
}

export class Metrics {
  private readonly series = new Map<string, Series>();

  observe(direction: Direction, caller: string, service: string, method: string, code: string, seconds: number): void {
    const key = `${direction}\u0000${caller}\u0000${service}\u0000${method}\u0000${code}`;
    let s = this.series.get(key);
    if (!s) {
      const labels = `direction="${esc(direction)}",caller="${esc(caller)}",service="${esc(service)}",method="${esc(method)}",code="${esc(code)}"`;
      s = { labels, code, count: 0, sum: 0, buckets: new Array(bucketsSeconds.length).fill(0) };
      this.series.set(key, s);
    }
    s.count++;
    s.sum += seconds;
    for (let i = 0; i < bucketsSeconds.length; i++) if (seconds <= bucketsSeconds[i]) s.buckets[i]++;
  }

  render(): string {
    const out: string[] = [
      '# HELP transmesh_requests_total Calls through the sidecar.',
      '# TYPE transmesh_requests_total counter',
    ];
    for (const s of this.series.values()) out.push(`transmesh_requests_total{${s.labels}} ${s.count}`);
    out.push('# HELP transmesh_request_errors_total Calls that ended with a code other than OK.', '# TYPE transmesh_request_errors_total counter');
    for (const s of this.series.values()) if (s.code !== 'OK') out.push(`transmesh_request_errors_total{${s.labels}} ${s.count}`);
    out.push('# HELP transmesh_request_duration_seconds Time from request to response.', '# TYPE transmesh_request_duration_seconds histogram');
    for (const s of this.series.values()) {
      for (let i = 0; i < bucketsSeconds.length; i++) out.push(`transmesh_request_duration_seconds_bucket{${s.labels},le="${bucketsSeconds[i]}"} ${s.buckets[i]}`);
      out.push(`transmesh_request_duration_seconds_bucket{${s.labels},le="+Inf"} ${s.count}`);
      out.push(`transmesh_request_duration_seconds_sum{${s.labels}} ${s.sum}`);
      out.push(`transmesh_request_duration_seconds_count{${s.labels}} ${s.count}`);
    }
    return out.join('\n') + '\n';
  }
}

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
