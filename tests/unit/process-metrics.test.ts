import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { sampleValue } from '../../src/telemetry/exposition';
import { ProcessMetrics } from '../../src/telemetry/process-metrics';
import { missingProcessMetrics } from '../helpers/process-metric-names';

/** A plain gauge or counter without labels, by name. */
const value = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);

/** Blocks the thread: the event-loop delay monitor's next tick comes late by about this much. */
function block(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('process metrics', () => {
  const proc = new ProcessMetrics();
  beforeAll(() => proc.start());
  afterAll(() => proc.stop());

  test('the conventional names, with values of this process', () => {
    const text = proc.render();
    expect(missingProcessMetrics(text)).toEqual([]);
    expect(text).toContain('# TYPE process_cpu_seconds_total counter');
    expect(text).toContain('# TYPE process_resident_memory_bytes gauge');
    expect(value(text, 'process_resident_memory_bytes')).toBeGreaterThan(1e6);
    expect(value(text, 'nodejs_heap_size_used_bytes')).toBeLessThanOrEqual(value(text, 'nodejs_heap_size_total_bytes'));
    expect(Math.abs(value(text, 'process_start_time_seconds') - (Date.now() / 1000 - process.uptime()))).toBeLessThan(2);
    expect(value(text, 'process_cpu_seconds_total')).toBeCloseTo(value(text, 'process_cpu_user_seconds_total') + value(text, 'process_cpu_system_seconds_total'));
    if (process.platform === 'linux') {
      expect(value(text, 'process_open_fds')).toBeGreaterThan(2);
      expect(value(text, 'process_max_fds')).toBeGreaterThan(value(text, 'process_open_fds'));
    }
    expect(sampleValue(text, 'nodejs_version_info', `version="${process.version}",major="${process.versions.node.split('.')[0]}",minor="${process.versions.node.split('.')[1]}",patch="${process.versions.node.split('.')[2]}"`)).toBe(1);
  });

  test('event-loop delay percentiles cover the time since the last scrape', async () => {
    proc.render();
    const tick = () => new Promise((r) => setTimeout(r, 15));
    // The monitor starts afresh at a scrape and measures from its next tick on (from then its timer comes late).
    await tick();
    block(60);
    await tick();
    const text = proc.render();
    for (const p of ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99']) expect(text).toMatch(new RegExp(`^nodejs_eventloop_lag_${p}_seconds \\d`, 'm'));
    expect(value(text, 'nodejs_eventloop_lag_max_seconds')).toBeGreaterThan(0.04);
    expect(value(text, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(value(text, 'nodejs_eventloop_lag_p50_seconds'));
  });

  test('garbage collections land in nodejs_gc_duration_seconds by kind', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    // The observer hears of the collection asynchronously: wait for it, scrape by scrape.
    let text = proc.render();
    for (let i = 0; i < 100 && !text.includes('nodejs_gc_duration_seconds_count{kind="major"}'); i++) {
      await new Promise((r) => setImmediate(r));
      text = proc.render();
    }
    expect(text).toContain('# TYPE nodejs_gc_duration_seconds histogram');
    expect(sampleValue(text, 'nodejs_gc_duration_seconds_count', 'kind="major"')).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^nodejs_gc_duration_seconds_bucket\{kind="major",le="\+Inf"\} \d+$/m);
  });
});
