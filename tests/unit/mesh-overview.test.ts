import { OverviewWindow, providersOf } from '../../src/control-plane/mesh-overview';
import { Metrics, SeriesSample, seriesKey, sumSamples } from '../../src/telemetry/metrics';

const sums = (m: Metrics) => sumSamples(m.samples().map((s) => ({ ...s, buckets: [...s.buckets] })), seriesKey) as Map<string, SeriesSample>;

describe('dashboard overview', () => {
  test('rates, error rate and percentiles come from the window; totals from the start', () => {
    let now = 0;
    const w = new OverviewWindow(10_000, () => now);
    const m = new Metrics();
    for (let i = 0; i < 10; i++) m.observe('outbound', 'app', 'S', 'Old', 'OK', 2);
    w.sample(sums(m));
    now = 5_000;
    for (let i = 0; i < 40; i++) m.observe('outbound', 'app', 'S', 'Get', 'OK', 0.003);
    for (let i = 0; i < 10; i++) m.observe('outbound', 'app', 'S', 'Get', 'UNAVAILABLE', 0.2);
    m.observe('inbound', 'app', 'S', 'Get', 'OK', 0.001);
    const t = w.traffic(sums(m));
    expect(t.windowSeconds).toBe(5);
    expect(t.edges).toHaveLength(1);
    const e = t.edges[0];
    expect(e).toMatchObject({ caller: 'app', service: 'S', calls: 60, errors: 10, rps: 10, errorRate: 0.2 });
    // The slow calls before the window do not weigh on its percentiles.
    expect(e.p50Ms).toBeGreaterThan(2.5);
    expect(e.p50Ms).toBeLessThanOrEqual(5);
    expect(e.p99Ms).toBeGreaterThan(100);
    expect(e.p99Ms).toBeLessThanOrEqual(250);
    const old = t.methods.find((x) => x.method === 'Old')!;
    expect(old).toMatchObject({ calls: 10, rps: 0, errorRate: null, p99Ms: null });
  });

  test('old samples leave the window', () => {
    let now = 0;
    const w = new OverviewWindow(10_000, () => now);
    const m = new Metrics();
    for (const at of [0, 2_000, 4_000, 12_000, 14_000]) {
      now = at;
      w.sample(sums(m));
    }
    now = 16_000;
    m.observe('outbound', 'a', 'S', 'M', 'OK', 0.001);
    // The base is the newest sample at least 10 s old (4 s), so the window is 12 s.
    expect(w.traffic(sums(m)).windowSeconds).toBe(12);
  });

  test('providers list labels when discovery has them', () => {
    const list = providersOf({
      byService: new Map([['S', [{ instance: 'i1', app: 'p', address: '10.0.0.1:15006', protocol: 'thrift', encoding: 'compact', labels: { version: 'v2' } } as never]]]),
    });
    expect(list).toEqual([{ service: 'S', app: 'p', instance: 'i1', address: '10.0.0.1:15006', protocol: 'thrift (compact)', labels: { version: 'v2' }, health: 'up' }]);
  });
});
