/**
 * Cumulative Prometheus-style histograms as plain arrays: `buckets[i]` counts observations
 * `<= bounds[i]`. Sidecars observe into them, the control plane sums them across sidecars and
 * the dashboard reads percentiles from them.
 */
export interface HistogramSample {
  count: number;
  sum: number;
  readonly buckets: number[];
}

export function emptyHistogram(bounds: readonly number[]): HistogramSample {
  return { count: 0, sum: 0, buckets: new Array<number>(bounds.length).fill(0) };
}

export function observeInto(h: HistogramSample, bounds: readonly number[], value: number): void {
  h.count++;
  h.sum += value;
  for (let i = bounds.length - 1; i >= 0 && value <= bounds[i]; i--) h.buckets[i]++;
}

/** Adds `from` into `into`; both must have the same bounds (checked by the caller's schema). */
export function addInto(into: HistogramSample, from: HistogramSample): void {
  into.count += from.count;
  into.sum += from.sum;
  for (let i = 0; i < into.buckets.length; i++) into.buckets[i] += from.buckets[i] ?? 0;
}

/** `later - earlier`: what was observed between two cumulative samples. */
export function difference(later: HistogramSample, earlier: HistogramSample | undefined): HistogramSample {
  if (!earlier) return { count: later.count, sum: later.sum, buckets: [...later.buckets] };
  return { count: later.count - earlier.count, sum: later.sum - earlier.sum, buckets: later.buckets.map((b, i) => b - (earlier.buckets[i] ?? 0)) };
}

/**
 * The q-quantile (0..1) as Prometheus' histogram_quantile estimates it: linear within the
 * bucket it falls in; the largest finite bound when it falls in +Inf; null with no observations.
 */
export function quantile(h: HistogramSample, bounds: readonly number[], q: number): number | null {
  if (h.count <= 0) return null;
  const rank = q * h.count;
  let prevCount = 0;
  let prevBound = 0;
  for (let i = 0; i < bounds.length; i++) {
    if (h.buckets[i] >= rank) {
      const inBucket = h.buckets[i] - prevCount;
      return inBucket <= 0 ? bounds[i] : prevBound + ((bounds[i] - prevBound) * (rank - prevCount)) / inBucket;
    }
    prevCount = h.buckets[i];
    prevBound = bounds[i];
  }
  return bounds[bounds.length - 1];
}
