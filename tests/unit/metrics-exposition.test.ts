import fc from 'fast-check';
import { escapeLabelValue, formatValue, labelText, sampleValue } from '../../src/telemetry/exposition';
import { Counter, Gauge, Histogram, MetricSet } from '../../src/telemetry/metric-family';
import { BoundedLabels, otherLabel } from '../../src/telemetry/bounded-labels';
import { LimitMetrics } from '../../src/sidecar/limits/limit-metrics';

/** Undoes the format's escaping, as a Prometheus parser reads a label value. */
function unescape(v: string): string {
  return v.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

describe('Prometheus text exposition', () => {
  test('label values escape backslash, quote and newline, and nothing else', () => {
    expect(escapeLabelValue('a.v1.Svc')).toBe('a.v1.Svc');
    expect(escapeLabelValue('we"ird\\x\ny')).toBe('we\\"ird\\\\x\\ny');
    expect(labelText(['a', 'b'], ['x"', 'é (other)'])).toBe('a="x\\"",b="é (other)"');
    expect(labelText([], [])).toBe('');
  });

  test('any label value survives escaping: the quoted text reads back as the value', () => {
    fc.assert(
      fc.property(fc.string(), (v) => {
        const text = labelText(['l'], [v]);
        const m = /^l="((?:[^"\\\n]|\\.)*)"$/s.exec(text);
        expect(m).not.toBeNull();
        expect(unescape(m![1])).toBe(v);
      }),
    );
  });

  test('HELP text escapes backslash and newline; values spell infinities as the format does', () => {
    const out: string[] = [];
    new Counter('c_total', 'one\\two\nthree').render(out);
    expect(out[0]).toBe('# HELP c_total one\\\\two\\nthree');
    expect([formatValue(1.5), formatValue(Infinity), formatValue(-Infinity), formatValue(NaN)]).toEqual(['1.5', '+Inf', '-Inf', 'NaN']);
  });

  test('a histogram counts a value in every bucket whose bound it does not exceed, then +Inf, sum and count', () => {
    const h = new Histogram('d_seconds', 'Durations.', ['service'], [0.25, 1, 5]);
    for (const v of [0.125, 0.25, 0.5, 5, 7]) h.observe(v, 'S');
    const out: string[] = [];
    h.render(out);
    expect(out).toEqual([
      '# HELP d_seconds Durations.',
      '# TYPE d_seconds histogram',
      'd_seconds_bucket{service="S",le="0.25"} 2',
      'd_seconds_bucket{service="S",le="1"} 3',
      'd_seconds_bucket{service="S",le="5"} 4',
      'd_seconds_bucket{service="S",le="+Inf"} 5',
      'd_seconds_sum{service="S"} 12.875',
      'd_seconds_count{service="S"} 5',
    ]);
  });

  test('a histogram without labels has no stray braces', () => {
    const h = new Histogram('d_seconds', 'Durations.', [], [1]);
    h.observe(2);
    const out: string[] = [];
    h.render(out);
    expect(out.slice(2)).toEqual(['d_seconds_bucket{le="1"} 0', 'd_seconds_bucket{le="+Inf"} 1', 'd_seconds_sum 2', 'd_seconds_count 1']);
  });

  test('counters and gauges keep one series per label set; labelled families with no series show nothing', () => {
    const set = new MetricSet();
    const calls = set.add(new Counter('calls_total', 'Calls.', ['service', 'code']));
    set.add(new Counter('plain_total', 'No labels.'));
    const level = set.add(new Gauge('level', 'A level.', ['service']));
    set.add(new Counter('never_total', 'Never counted.', ['service']));
    expect(set.render()).toBe('# HELP plain_total No labels.\n# TYPE plain_total counter\nplain_total 0\n');
    calls.inc('a', 'OK');
    calls.inc('a', 'OK');
    calls.add(3, 'a', 'NOT_FOUND');
    level.set(7, 'a');
    level.set(4, 'a');
    const text = set.render();
    expect(sampleValue(text, 'calls_total', 'service="a",code="OK"')).toBe(2);
    expect(sampleValue(text, 'calls_total', 'service="a",code="NOT_FOUND"')).toBe(3);
    expect(calls.value('a', 'OK')).toBe(2);
    expect(level.value('a')).toBe(4);
    expect(text).toContain('# TYPE level gauge\nlevel{service="a"} 4\n');
    expect(text).not.toContain('never_total');
    level.reset();
    expect(set.render()).not.toContain('level');
  });

  test('label sets that join to the same text stay apart', () => {
    const c = new Counter('x_total', 'X.', ['a', 'b']);
    c.inc('a,b', 'c');
    c.inc('a', 'b,c');
    expect(c.size).toBe(2);
  });

  test('collect hooks run before each render (values read at scrape time)', () => {
    const set = new MetricSet();
    const g = set.add(new Gauge('now_value', 'Read at scrape.'));
    let n = 0;
    set.onCollect(() => g.set(++n));
    expect(set.render()).toContain('now_value 1\n');
    expect(set.render()).toContain('now_value 2\n');
  });

  test('bounded labels: the first values keep their label, later and malformed ones share (other)', () => {
    const b = new BoundedLabels(2);
    expect([b.label('web'), b.label('api'), b.label('web'), b.label('third')]).toEqual(['web', 'api', 'web', otherLabel]);
    expect(new BoundedLabels().label('no spaces allowed')).toBe(otherLabel);
    const calls = new Counter('calls_total', 'Calls.', ['caller']);
    for (let i = 0; i < 100; i++) calls.inc(b.label(`app${i}`));
    expect(calls.size).toBe(1);
  });

  test('limit metrics render through the families: refusals and the quota gauges of the current window', () => {
    const m = new LimitMetrics(() => 0);
    m.refused('S', 'we"b', 'quota');
    expect(m.refusalCount('service="S",caller="we\\"b",reason="quota"')).toBe(1);
    const text = m.render(undefined);
    expect(text).toContain('# TYPE transmesh_limit_refusals_total counter');
    expect(text).not.toContain('transmesh_quota_used');
  });
});
