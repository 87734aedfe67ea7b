import { isDenial, isFailure } from '../errors/failure-codes';
import { addInto, difference, emptyHistogram, HistogramSample, quantile } from '../telemetry/histogram';
import { bucketsSeconds, SeriesSample, seriesKey } from '../telemetry/metrics';

/** What one group of calls (an edge, a service, a method) did over some span. */
export interface SpanStats {
  calls: number;
  /** Calls per second over the span. */
  rps: number;
  /** Share of calls that failed (UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL, …), 0..1; null without calls. */
  failureRate: number | null;
  /** Share of calls the service answered with another code than OK (NOT_FOUND, INVALID_ARGUMENT, …); null without calls. */
  answerRate: number | null;
  /** code → calls, for every code other than OK. */
  codes: Record<string, number>;
  p50Ms: number | null;
  p99Ms: number | null;
}

/** Sums of the series in one group: one histogram, and counts per code. */
export interface Group {
  all: HistogramSample;
  codes: Map<string, number>;
}

/** A cumulative snapshot of the mesh-wide series, taken at `at`. */
export interface Snap {
  at: number;
  series: Map<string, SeriesSample>;
}

/**
 * The series' growth since `base` (all of them when there is none), summed per group key. A
 * series that is not kept (`keyOf` returns undefined) is left out.
 */
export function groupSince(series: Iterable<SeriesSample>, base: Snap | undefined, keyOf: (s: SeriesSample) => string | undefined): Map<string, Group> {
  const groups = new Map<string, Group>();
  for (const s of series) {
    const key = keyOf(s);
    if (key === undefined) continue;
    const h = difference(s, base?.series.get(seriesKey(s)));
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { all: emptyHistogram(bucketsSeconds), codes: new Map() }));
    addInto(g.all, h);
    if (h.count) g.codes.set(s.code, (g.codes.get(s.code) ?? 0) + h.count);
  }
  return groups;
}

export function spanStats(g: Group | undefined, seconds: number): SpanStats {
  const calls = g?.all.count ?? 0;
  let failures = 0;
  let answers = 0;
  const codes: Record<string, number> = {};
  for (const [code, n] of g?.codes ?? []) {
    if (code === 'OK') continue;
    codes[code] = n;
    if (isFailure(code)) failures += n;
    else answers += n;
  }
  return {
    calls,
    rps: seconds > 0 ? Math.round((calls / seconds) * 100) / 100 : 0,
    failureRate: calls ? failures / calls : null,
    answerRate: calls ? answers / calls : null,
    codes,
    p50Ms: g ? ms(quantile(g.all, bucketsSeconds, 0.5)) : null,
    p99Ms: g ? ms(quantile(g.all, bucketsSeconds, 0.99)) : null,
  };
}

/** Calls refused by access (PERMISSION_DENIED, UNAUTHENTICATED) in a group. */
export function denials(g: Group | undefined): number {
  let n = 0;
  for (const [code, count] of g?.codes ?? []) if (isDenial(code)) n += count;
  return n;
}

function ms(seconds: number | null): number | null {
  return seconds === null ? null : Math.round(seconds * 1e6) / 1e3;
}

/** Keys of the groups the dashboard shows; the NUL byte cannot occur in an app or service name. */
export const groupKeys = {
  edge: (s: SeriesSample) => (s.direction === 'outbound' ? `${s.caller}\u0000${s.service}` : undefined),
  service: (s: SeriesSample) => (s.direction === 'outbound' ? s.service : undefined),
  method: (s: SeriesSample) => (s.direction === 'outbound' ? `${s.service}\u0000${s.method}` : undefined),
  /** Denials are counted where they happen: the provider's sidecar, inbound. */
  denial: (s: SeriesSample) => (s.direction === 'inbound' && isDenial(s.code) ? `${s.caller}\u0000${s.service}` : undefined),
};
