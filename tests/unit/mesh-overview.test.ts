import { OverviewWindow, providersOf } from '../../src/control-plane/mesh-overview';
import { Metrics, SeriesSample, seriesKey, sumSamples } from '../../src/telemetry/metrics';

const sums = (m: Metrics) => sumSamples(m.samples().map((s) => ({ ...s, buckets: [...s.buckets] })), seriesKey) as Map<string, SeriesSample>;

describe('dashboard overview', () => {
  test('rates, failure rate and percentiles come from the window; totals from the start', () => {
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
    expect(e).toMatchObject({ caller: 'app', service: 'S', total: 60, calls: 50, rps: 10, failureRate: 0.2, answerRate: 0, codes: { UNAVAILABLE: 10 } });
    // The slow calls before the window do not weigh on its percentiles.
    expect(e.p50Ms).toBeGreaterThan(2.5);
    expect(e.p50Ms).toBeLessThanOrEqual(5);
    expect(e.p99Ms).toBeGreaterThan(100);
    expect(e.p99Ms).toBeLessThanOrEqual(250);
    const old = t.methods.find((x) => x.method === 'Old')!;
    expect(old).toMatchObject({ total: 10, calls: 0, rps: 0, failureRate: null, p99Ms: null });
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

  test('NOT_FOUND and other answers do not raise the failure rate; they are counted beside it', () => {
    let now = 0;
    const w = new OverviewWindow(10_000, () => now);
    const m = new Metrics();
    w.sample(sums(m));
    now = 10_000;
    for (let i = 0; i < 96; i++) m.observe('outbound', 'php-app', 'Users', 'GetUser', 'NOT_FOUND', 0.002);
    for (let i = 0; i < 3; i++) m.observe('outbound', 'php-app', 'Users', 'GetUser', 'OK', 0.002);
    m.observe('outbound', 'php-app', 'Users', 'GetUser', 'DEADLINE_EXCEEDED', 0.002);
    const [e] = w.traffic(sums(m)).edges;
    expect(e.failureRate).toBeCloseTo(0.01);
    expect(e.answerRate).toBeCloseTo(0.96);
    expect(e.codes).toEqual({ NOT_FOUND: 96, DEADLINE_EXCEEDED: 1 });
  });

  test('charts keep a point per 10 s step for 15 minutes, and the tables the last 15 minutes after traffic stops', () => {
    let now = 0;
    const w = new OverviewWindow(10_000, () => now);
    const m = new Metrics();
    w.sample(sums(m));
    // 2 minutes of 5 calls/s, one in ten UNAVAILABLE; then 3 quiet minutes.
    for (now = 2_000; now <= 300_000; now += 2_000) {
      if (now <= 120_000) for (let i = 0; i < 10; i++) m.observe('outbound', 'a', 'S', 'M', i === 0 ? 'UNAVAILABLE' : 'OK', 0.004);
      w.sample(sums(m));
    }
    const t = w.traffic(sums(m));
    const points = t.charts.services.S;
    expect(points).toHaveLength(30);
    expect(points[0]).toMatchObject({ t: 10_000, rps: 5, failureRate: 0.1 });
    expect(points[29]).toMatchObject({ t: 300_000, rps: 0, failureRate: null });
    expect(Object.keys(t.charts.edges)).toEqual(['a→S']);
    const [e] = t.edges;
    expect(e).toMatchObject({ calls: 0, rps: 0, total: 600, span: { calls: 600, failureRate: 0.1 }, lastCallAt: new Date(120_000).toISOString() });
    // Past the span, a quiet group leaves the charts.
    for (; now <= 1_300_000; now += 2_000) w.sample(sums(m));
    expect(w.traffic(sums(m)).charts.services).toEqual({});
  });

  test('access denials are counted per caller → service where they happen (inbound)', () => {
    let now = 0;
    const w = new OverviewWindow(10_000, () => now);
    const m = new Metrics();
    w.sample(sums(m));
    now = 4_000;
    m.observe('inbound', 'intruder', 'S', 'M', 'PERMISSION_DENIED', 0.001);
    m.observe('inbound', 'intruder', 'S', 'M', 'UNAUTHENTICATED', 0.001);
    m.observe('outbound', 'intruder', 'S', 'M', 'PERMISSION_DENIED', 0.001);
    m.observe('inbound', 'app', 'S', 'M', 'OK', 0.001);
    expect(w.traffic(sums(m)).denials).toEqual([{ caller: 'intruder', service: 'S', total: 2, span: 2 }]);
  });

  test('providers list labels when discovery has them', () => {
    const list = providersOf({
      byService: new Map([['S', [{ instance: 'i1', app: 'p', address: '10.0.0.1:15006', protocol: 'thrift', encoding: 'compact', labels: { version: 'v2' } } as never]]]),
    });
    expect(list).toEqual([{ service: 'S', app: 'p', instance: 'i1', address: '10.0.0.1:15006', protocol: 'thrift (compact)', labels: { version: 'v2' }, health: 'up' }]);
  });
});
