/** One sample of a series: when (ms) and what. */
export interface Point {
  readonly t: number;
  readonly v: number;
}

export interface Flatness {
  /** Samples the fit used (those after the warm-up). */
  readonly n: number;
  readonly mean: number;
  /** Least-squares slope, per hour. */
  readonly slopePerHour: number;
  /** What the fitted line gained over the samples' span: slope x span. */
  readonly change: number;
  /** |change| / max(|mean|, floor): the growth judged, relative to the series' size. */
  readonly relativeChange: number;
  readonly flat: boolean;
  /**
   * Not flat over the whole run, but the later half of it is (its line gains less than half the
   * tolerance): one step up that then held, such as a buffer grown once, rather than a leak,
   * whose line would keep gaining in the later half at the same rate.
   */
  readonly settled: boolean;
}

export interface FlatnessRule {
  /** Samples before this time (ms, same clock as the points) are the warm-up and left out. */
  readonly from: number;
  /** The largest |change| over the run allowed, as a share of the mean (0.1 = 10%). */
  readonly tolerance: number;
  /**
   * The smallest mean the tolerance is taken of, in the series' unit: a series near zero (lag in
   * seconds, a handful of consumers) would otherwise be "growing" by one unit of noise.
   */
  readonly floor: number;
}

/** The least-squares line through the points: slope per ms and intercept; undefined for fewer than two distinct times. */
export function fitLine(points: readonly Point[]): { slope: number; intercept: number } | undefined {
  const n = points.length;
  if (n < 2) return undefined;
  let st = 0;
  let sv = 0;
  for (const p of points) {
    st += p.t;
    sv += p.v;
  }
  const mt = st / n;
  const mv = sv / n;
  let stt = 0;
  let stv = 0;
  for (const p of points) {
    stt += (p.t - mt) ** 2;
    stv += (p.t - mt) * (p.v - mv);
  }
  if (stt === 0) return undefined;
  const slope = stv / stt;
  return { slope, intercept: mv - slope * mt };
}

/**
 * Whether a series stayed flat after its warm-up: a straight line is fitted to every sample (not
 * a threshold on one), and the series is flat when what that line gains over the measured span is
 * within `tolerance` of the series' mean (or of `floor`, when the mean is smaller). A falling
 * series is flat too: a leak grows. Undefined with fewer than three samples after the warm-up.
 */
export function flatness(points: readonly Point[], rule: FlatnessRule): Flatness | undefined {
  const kept = points.filter((p) => p.t >= rule.from && Number.isFinite(p.v));
  if (kept.length < 3) return undefined;
  const line = fitLine(kept);
  if (!line) return undefined;
  const mean = kept.reduce((a, p) => a + p.v, 0) / kept.length;
  const span = kept[kept.length - 1].t - kept[0].t;
  const change = line.slope * span;
  const size = Math.max(Math.abs(mean), rule.floor);
  const relativeChange = change / size;
  const flat = relativeChange <= rule.tolerance;
  const later = kept.slice(Math.floor(kept.length / 2));
  const laterLine = later.length >= 3 ? fitLine(later) : undefined;
  const laterChange = laterLine ? laterLine.slope * (later[later.length - 1].t - later[0].t) : Infinity;
  const settled = !flat && laterChange / size <= rule.tolerance / 2;
  return { n: kept.length, mean, slopePerHour: line.slope * 3_600_000, change, relativeChange, flat, settled };
}
