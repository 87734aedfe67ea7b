import { ProcessMetrics } from '../../src/telemetry/process-metrics';

const value = (text: string, name: string) => Number(new RegExp(`^${name.replace(/[{}"".]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);

describe("a process's own gauges on /metrics", () => {
  let gauges: ProcessMetrics;
  afterEach(() => gauges.stop());

  test('memory, heap and open fds are this process\'s, as Prometheus gauges', () => {
    gauges = new ProcessMetrics().start();
    const text = gauges.render();
    expect(text).toContain('# TYPE process_resident_memory_bytes gauge');
    expect(value(text, 'process_resident_memory_bytes')).toBeGreaterThan(value(text, 'nodejs_heap_used_bytes'));
    expect(value(text, 'nodejs_heap_used_bytes')).toBeGreaterThan(1e6);
    expect(value(text, 'nodejs_heap_total_bytes')).toBeGreaterThanOrEqual(value(text, 'nodejs_heap_used_bytes'));
    expect(value(text, 'process_open_fds')).toBeGreaterThan(2);
  });

  test('a blocked event loop shows as lag in the window it happened in, beyond the timer period', async () => {
    // The histogram measures between the ticks of its own 20 ms timer: a few ticks before and after.
    const ticks = () => new Promise((r) => setTimeout(r, 60));
    gauges = new ProcessMetrics().start(3_600_000);
    await ticks();
    gauges.endWindow();
    expect(value(gauges.render(), 'nodejs_eventloop_lag_max_seconds')).toBeLessThan(0.1);
    await ticks();
    const until = Date.now() + 150;
    while (Date.now() < until); // the loop blocked for 150 ms
    await ticks();
    gauges.endWindow();
    const text = gauges.render();
    expect(value(text, 'nodejs_eventloop_lag_max_seconds')).toBeGreaterThan(0.12);
    expect(value(text, 'nodejs_eventloop_lag_max_seconds')).toBeLessThan(1);
    expect(value(text, 'nodejs_eventloop_lag_seconds{quantile="0.99"}')).toBeGreaterThan(0.12);
  });
});
