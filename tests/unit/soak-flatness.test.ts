import { fitLine, flatness, type Point } from '../../bench/soak/flatness';

const minute = 60_000;
/** One sample every 10 s for `minutes`, from `f(t)`. */
const series = (minutes: number, f: (t: number, i: number) => number): Point[] => Array.from({ length: minutes * 6 }, (_, i) => ({ t: i * 10_000, v: f(i * 10_000, i) }));

describe('the soak\'s flatness judgement: a fitted slope, not one sample', () => {
  test('fitLine recovers a line exactly, and needs two distinct times', () => {
    const line = fitLine([{ t: 0, v: 3 }, { t: 10, v: 23 }, { t: 20, v: 43 }]);
    expect(line?.slope).toBeCloseTo(2);
    expect(line?.intercept).toBeCloseTo(3);
    expect(fitLine([{ t: 5, v: 1 }])).toBeUndefined();
    expect(fitLine([{ t: 5, v: 1 }, { t: 5, v: 2 }])).toBeUndefined();
  });

  test('a sawtooth (GC) around a flat mean is flat, though single samples swing 30%', () => {
    const f = flatness(series(30, (_t, i) => 100 + ((i % 12) - 6) * 5), { from: 5 * minute, tolerance: 0.1, floor: 1 });
    expect(f?.flat).toBe(true);
    expect(Math.abs(f!.relativeChange)).toBeLessThan(0.05);
  });

  test('a slow leak under the noise of single samples is caught: +15% over the run', () => {
    // 100 MB growing 0.6 MB a minute, with ±10 MB of noise per sample.
    const f = flatness(series(30, (t, i) => 100 + (t / minute) * 0.6 + (i % 2 ? 10 : -10)), { from: 5 * minute, tolerance: 0.1, floor: 1 });
    expect(f).toMatchObject({ flat: false, settled: false });
    // 36 MB an hour, within what the ±10 MB noise moves a 150-point fit.
    expect(Math.abs(f!.slopePerHour - 36)).toBeLessThan(2);
    expect(Math.abs(f!.change - 15)).toBeLessThan(1);
  });

  test('one step up that then holds (a buffer grown once) is told from a leak; a step late in the run is not', () => {
    // 30 MB, then 34 MB from minute 12 on, as nats-server's file-store buffer in the soak.
    const early = flatness(series(30, (t) => (t < 12 * minute ? 30 : 34)), { from: 5 * minute, tolerance: 0.1, floor: 1 });
    expect(early).toMatchObject({ flat: false, settled: true });
    const late = flatness(series(30, (t) => (t < 25 * minute ? 30 : 34)), { from: 5 * minute, tolerance: 0.05, floor: 1 });
    expect(late).toMatchObject({ flat: false, settled: false });
  });

  test('the warm-up is left out: growth that stops after it is flat', () => {
    const f = flatness(series(30, (t) => Math.min(t / minute, 5) * 20 + 50), { from: 5 * minute, tolerance: 0.1, floor: 1 });
    expect(f).toMatchObject({ flat: true, mean: 150, change: 0 });
  });

  test('a falling series is flat (a leak grows), and one near zero is judged against the floor', () => {
    expect(flatness(series(30, (t) => 200 - t / minute), { from: 0, tolerance: 0.1, floor: 1 })?.flat).toBe(true);
    // Consumers going 0 → 1 once: against a floor of 5 that is 20%, caught; a floor of 20 lets it pass.
    const oneMore = series(30, (t) => (t > 20 * minute ? 1 : 0));
    expect(flatness(oneMore, { from: 0, tolerance: 0.1, floor: 5 })?.flat).toBe(false);
    expect(flatness(oneMore, { from: 0, tolerance: 0.1, floor: 20 })?.flat).toBe(true);
  });

  test('too few samples after the warm-up, or none finite, give no verdict', () => {
    expect(flatness(series(1, () => 1), { from: 5 * minute, tolerance: 0.1, floor: 1 })).toBeUndefined();
    expect(flatness(series(30, () => NaN), { from: 0, tolerance: 0.1, floor: 1 })).toBeUndefined();
  });
});
