import { addInto, emptyHistogram, histogramLines, HistogramSample, observeInto } from './histogram';
import { PolicyMetrics } from './policy-metrics';

/**
 * Request metrics per (direction, caller, service, method, code), kept as plain counters and
 * rendered as Prometheus text on demand. One Map look-up per call; no allocation on a hit.
 */
export const bucketsSeconds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** The sidecar's own JSON ⇄ wire work is tens of microseconds, so its buckets start far lower. */
export const conversionBucketsSeconds = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1];

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

/** Conversion time of one (service, method): request encode plus response decode, per call. */
export interface ConversionSample extends HistogramSample {
  readonly service: string;
  readonly method: string;
}

export class Metrics {
  private readonly series = new Map<string, SeriesSample>();
  private readonly conversion = new Map<string, ConversionSample>();
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

  observeConversion(service: string, method: string, seconds: number): void {
    const key = `${service}\u0000${method}`;
    let s = this.conversion.get(key);
    if (!s) {
      s = { service, method, ...emptyHistogram(conversionBucketsSeconds) };
      this.conversion.set(key, s);
    }
    observeInto(s, conversionBucketsSeconds, seconds);
  }

  samples(): SeriesSample[] {
    return [...this.series.values()];
  }

  conversionSamples(): ConversionSample[] {
    return [...this.conversion.values()];
  }

  render(): string {
    return renderPrometheus(this.series.values()) + renderConversion(this.conversion.values()) + this.policy.render();
  }
}

/** Prometheus text of the conversion-time histograms (sidecar and control plane alike). */
export function renderConversion(samples: Iterable<ConversionSample>): string {
  const out = ['# HELP transmesh_conversion_duration_seconds Time the sidecar spent converting JSON to wire and back, per call.', '# TYPE transmesh_conversion_duration_seconds histogram'];
  for (const s of samples) histogramLines('transmesh_conversion_duration_seconds', `service="${esc(s.service)}",method="${esc(s.method)}"`, s, conversionBucketsSeconds, out);
  return out.join('\n') + '\n';
}

/** Sums samples with the same labels (the control plane adding up sidecars' reports). */
export function sumSamples<T extends HistogramSample>(samples: Iterable<T>, keyOf: (s: T) => string, into = new Map<string, T>()): Map<string, T> {
  for (const s of samples) {
    const key = keyOf(s);
    const acc = into.get(key);
    if (!acc) into.set(key, { ...s, buckets: [...s.buckets] });
    else addInto(acc, s);
  }
  return into;
}

export function conversionKey(s: { service: string; method: string }): string {
  return `${s.service}\u0000${s.method}`;
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

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
