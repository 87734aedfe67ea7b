import pino from 'pino';
import { TelemetryAggregator } from '../../src/control-plane/telemetry-aggregator';
import { reportParts } from '../../src/node/telemetry-publisher';
import { Metrics } from '../../src/telemetry/metrics';
import { telemetryReport } from '../../src/telemetry/telemetry-report';

const log = pino({ level: 'silent' });
const enc = new TextEncoder();

function metricsWith(n: number, prefix = 'm'): Metrics {
  const m = new Metrics();
  for (let i = 0; i < n; i++) m.observe('inbound', 'web', 'pkg.Svc', `${prefix}${i}`, 'OK', 0.001);
  return m;
}

/** The value of `transmesh_requests_total` summed over all label sets. */
function total(text: string): number {
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith('transmesh_requests_total{')) sum += Number(line.split(' ').pop());
  return sum;
}

describe('telemetry reports that would exceed NATS max_payload', () => {
  test('are split into whole reports each within the limit, together holding every series', () => {
    const series = metricsWith(500).samples();
    const parts = reportParts({ instance: 'i1', app: 'a' }, 1, series, 16 * 1024);
    expect(parts.length).toBeGreaterThan(1);
    const seen: string[] = [];
    for (const p of parts) {
      expect(Buffer.byteLength(p)).toBeLessThanOrEqual(16 * 1024);
      const r = telemetryReport.parse(JSON.parse(p));
      expect(r.instance).toBe('i1');
      seen.push(...r.series.map((s) => s.method));
    }
    expect(seen.sort()).toEqual(series.map((s) => s.method).sort());
  });

  test('a small report stays one message', () => {
    const series = metricsWith(3).samples();
    const parts = reportParts({ instance: 'i1', app: 'a' }, 1, series, 1024 * 1024);
    expect(parts).toHaveLength(1);
    expect(telemetryReport.parse(JSON.parse(parts[0])).series).toHaveLength(3);
  });
});

describe('TelemetryAggregator with a fake clock', () => {
  let now = 1_000_000;
  const clock = () => now;

  test('the parts of a split report are merged for one instance', () => {
    const agg = new TelemetryAggregator(undefined, log, 60_000, clock);
    for (const p of reportParts({ instance: 'i1', app: 'a' }, 1, metricsWith(300).samples(), 8 * 1024)) agg.ingest(enc.encode(p), 't');
    expect(total(agg.render())).toBe(300);
  });

  test('sums never go down when an instance is forgotten', () => {
    const agg = new TelemetryAggregator(undefined, log, 60_000, clock);
    const a = metricsWith(2, 'x');
    const b = metricsWith(2, 'x');
    const send = (instance: string, m: Metrics) => agg.ingest(enc.encode(reportParts({ instance, app: 'a' }, now, m.samples(), 1 << 20)[0]), 't');
    send('a', a);
    send('b', b);
    expect(total(agg.render())).toBe(4);
    // b goes silent; a keeps reporting
    now += 30_000;
    a.observe('inbound', 'web', 'pkg.Svc', 'x0', 'OK', 0.001);
    send('a', a);
    now += 40_000;
    const afterForget = agg.render();
    expect(afterForget).toContain('1 sidecar instance(s) reporting');
    expect(total(afterForget)).toBe(5);
    // a restarts as a new instance with fresh counters: the sum still only grows
    now += 70_000;
    const c = metricsWith(1, 'x');
    send('c', c);
    expect(total(agg.render())).toBe(6);
  });

  test('a malformed report is ignored', () => {
    const agg = new TelemetryAggregator(undefined, log, 60_000, clock);
    agg.ingest(enc.encode('{"instance":1}'), 't');
    agg.ingest(enc.encode('not json'), 't');
    expect(total(agg.render())).toBe(0);
  });
});
