import { addInto, type HistogramSample } from './histogram';
import { joinLines, labelText, writeHeader, writeHistogram, writeSample } from './exposition';
import { Histogram } from './metric-family';
import { PolicyMetrics } from './policy-metrics';

/**
 * Request metrics per (direction, caller, service, method, code) and conversion time per
 * (service, method), as histogram families (metric-family.ts): one Map look-up per call.
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

const requestLabels = ['direction', 'caller', 'service', 'method', 'code'] as const;
const conversionLabels = ['service', 'method'] as const;
const conversionHelp = 'Time the sidecar spent converting JSON to wire and back, per call.';

export class Metrics {
  private readonly requests = new Histogram('transmesh_request_duration_seconds', 'Time from request to response.', requestLabels, bucketsSeconds);
  private readonly conversion = new Histogram('transmesh_conversion_duration_seconds', conversionHelp, conversionLabels, conversionBucketsSeconds);
  /** What policy did (retries, ejections, faults, subsets, revisions); rendered after the request series. */
  readonly policy = new PolicyMetrics();

  observe(direction: Direction, caller: string, service: string, method: string, code: string, seconds: number): void {
    this.requests.observe(seconds, direction, caller, service, method, code);
  }

  observeConversion(service: string, method: string, seconds: number): void {
    this.conversion.observe(seconds, service, method);
  }

  /** The request series as the telemetry report carries them (copies: the report is sent later). */
  samples(): SeriesSample[] {
    return Array.from(this.requests.entries(), ({ values: [direction, caller, service, method, code], count, sum, buckets }) => ({ direction, caller, service, method, code, count, sum, buckets: [...buckets] }));
  }

  conversionSamples(): ConversionSample[] {
    return Array.from(this.conversion.entries(), ({ values: [service, method], count, sum, buckets }) => ({ service, method, count, sum, buckets: [...buckets] }));
  }

  render(): string {
    return renderPrometheus(this.samples()) + renderConversion(this.conversionSamples()) + this.policy.render();
  }
}

/** Prometheus text of the conversion-time histograms (sidecar and control plane alike). */
export function renderConversion(samples: Iterable<ConversionSample>): string {
  const out: string[] = [];
  writeHeader(out, 'transmesh_conversion_duration_seconds', 'histogram', conversionHelp);
  for (const s of samples) writeHistogram(out, 'transmesh_conversion_duration_seconds', labelText(conversionLabels, [s.service, s.method]), s, conversionBucketsSeconds);
  return joinLines(out);
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

/** Prometheus text of request series (calls, errors, durations), shared by the sidecar and the control plane. */
export function renderPrometheus(series: Iterable<SeriesSample>): string {
  const all = Array.from(series, (s) => ({ s, labels: labelText(requestLabels, [s.direction, s.caller, s.service, s.method, s.code]) }));
  const out: string[] = [];
  writeHeader(out, 'transmesh_requests_total', 'counter', 'Calls through the sidecar.');
  for (const { s, labels } of all) writeSample(out, 'transmesh_requests_total', labels, s.count);
  writeHeader(out, 'transmesh_request_errors_total', 'counter', 'Calls that ended with a code other than OK.');
  for (const { s, labels } of all) if (s.code !== 'OK') writeSample(out, 'transmesh_request_errors_total', labels, s.count);
  writeHeader(out, 'transmesh_request_duration_seconds', 'histogram', 'Time from request to response.');
  for (const { s, labels } of all) writeHistogram(out, 'transmesh_request_duration_seconds', labels, s, bucketsSeconds);
  return joinLines(out);
}
