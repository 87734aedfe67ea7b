import fc from 'fast-check';
import { addInto, difference, emptyHistogram, observeInto, quantile } from '../../src/telemetry/histogram';
import { bucketsSeconds, conversionBucketsSeconds, Metrics, sumSamples, seriesKey, renderConversion } from '../../src/telemetry/metrics';

const bounds = [1, 2, 5, 10];

describe('histograms', () => {
  test('observations land in every bucket whose bound they do not exceed (cumulative)', () => {
    const h = emptyHistogram(bounds);
    for (const v of [0.5, 1, 3, 7, 20]) observeInto(h, bounds, v);
    expect(h.buckets).toEqual([2, 2, 3, 4]);
    expect(h.count).toBe(5);
    expect(h.sum).toBeCloseTo(31.5);
  });

  test('merging two sidecars equals observing everything in one', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 20, noNaN: true })), fc.array(fc.double({ min: 0, max: 20, noNaN: true })), (a, b) => {
        const ha = emptyHistogram(bounds);
        const hb = emptyHistogram(bounds);
        const all = emptyHistogram(bounds);
        a.forEach((v) => (observeInto(ha, bounds, v), observeInto(all, bounds, v)));
        b.forEach((v) => (observeInto(hb, bounds, v), observeInto(all, bounds, v)));
        addInto(ha, hb);
        expect(ha.buckets).toEqual(all.buckets);
        expect(ha.count).toBe(all.count);
        expect(difference(ha, hb).buckets).toEqual(all.buckets.map((n, i) => n - hb.buckets[i]));
      }),
    );
  });

  test('quantiles interpolate within the bucket, as histogram_quantile does', () => {
    const h = emptyHistogram(bounds);
    for (let i = 0; i < 100; i++) observeInto(h, bounds, i < 50 ? 0.5 : 4);
    expect(quantile(h, bounds, 0.5)).toBeCloseTo(1);
    expect(quantile(h, bounds, 0.99)).toBeCloseTo(2 + (3 * 49) / 50);
    expect(quantile(emptyHistogram(bounds), bounds, 0.5)).toBeNull();
    const over = emptyHistogram(bounds);
    observeInto(over, bounds, 99);
    expect(quantile(over, bounds, 0.5)).toBe(10);
  });

  test('request and conversion series of several sidecars sum per label set', () => {
    const a = new Metrics();
    const b = new Metrics();
    a.observe('outbound', 'app', 'S', 'M', 'OK', 0.002);
    b.observe('outbound', 'app', 'S', 'M', 'OK', 0.2);
    b.observe('outbound', 'app', 'S', 'M', 'NOT_FOUND', 0.2);
    a.observeConversion('S', 'M', 0.00003);
    b.observeConversion('S', 'M', 0.003);
    const sums = sumSamples([...a.samples(), ...b.samples()], seriesKey);
    expect(sums.size).toBe(2);
    const ok = [...sums.values()].find((s) => s.code === 'OK')!;
    expect(ok.count).toBe(2);
    expect(ok.buckets[bucketsSeconds.indexOf(0.0025)]).toBe(1);
    expect(ok.buckets[bucketsSeconds.indexOf(0.25)]).toBe(2);
    // The inputs are not changed by summing.
    expect(a.samples()[0].count).toBe(1);
    const conv = sumSamples([...a.conversionSamples(), ...b.conversionSamples()], (s) => `${s.service}/${s.method}`);
    const text = renderConversion(conv.values());
    expect(text).toContain(`transmesh_conversion_duration_seconds_bucket{service="S",method="M",le="${conversionBucketsSeconds[2]}"} 1`);
    expect(text).toContain('transmesh_conversion_duration_seconds_count{service="S",method="M"} 2');
    expect(a.render()).toContain('# TYPE transmesh_conversion_duration_seconds histogram');
  });
});
