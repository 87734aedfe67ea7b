import { readdirSync } from 'node:fs';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** How long one event-loop lag window lasts: the gauges show the last whole window. */
const lagWindowMs = 10_000;
/** The delay histogram's timer period (ms); what it records is the whole period, so this is taken off. */
const resolutionMs = 20;

/**
 * The process's own gauges on /metrics, named as prom-client names them, so a slow leak (memory,
 * file descriptors) or a blocked event loop shows on a dashboard and in `npm run soak`: resident
 * memory, V8 heap, open file descriptors (Linux), and the event loop's delay over the last 10 s.
 * Scraping costs a memoryUsage() and a readdir; the delay histogram runs on libuv's timer.
 */
export class ProcessMetrics {
  private readonly delay: IntervalHistogram = monitorEventLoopDelay({ resolution: resolutionMs });
  private lag = { p50: 0, p99: 0, max: 0 };
  private timer: NodeJS.Timeout | undefined;

  start(windowMs = lagWindowMs): this {
    this.delay.enable();
    this.timer = setInterval(() => this.endWindow(), windowMs);
    this.timer.unref();
    return this;
  }

  /** Ends a lag window: its delays become the gauges, and the next window starts empty. */
  endWindow(): void {
    // Nanoseconds, each the timer's whole period: the lag is what exceeds the period.
    const lag = (ns: number) => Math.max(0, ns / 1e6 - resolutionMs) / 1000;
    // A window with no sample (a loop blocked throughout) keeps the last values.
    if (this.delay.count > 0) this.lag = { p50: lag(this.delay.percentile(50)), p99: lag(this.delay.percentile(99)), max: lag(this.delay.max) };
    this.delay.reset();
  }

  stop(): void {
    clearInterval(this.timer);
    this.delay.disable();
  }

  render(): string {
    const mem = process.memoryUsage();
    const fds = openFds();
    const lines = [
      gauge('process_resident_memory_bytes', 'Resident memory.', mem.rss),
      gauge('nodejs_heap_used_bytes', 'V8 heap in use.', mem.heapUsed),
      gauge('nodejs_heap_total_bytes', 'V8 heap allocated.', mem.heapTotal),
      gauge('nodejs_external_memory_bytes', 'Memory of C++ objects bound to JavaScript (buffers).', mem.external),
      fds === undefined ? '' : gauge('process_open_fds', 'Open file descriptors.', fds),
      '# HELP nodejs_eventloop_lag_seconds Event-loop delay beyond the 20 ms timer period, over the last 10 s window.\n# TYPE nodejs_eventloop_lag_seconds gauge\n' +
        `nodejs_eventloop_lag_seconds{quantile="0.5"} ${this.lag.p50}\nnodejs_eventloop_lag_seconds{quantile="0.99"} ${this.lag.p99}\n` +
        `nodejs_eventloop_lag_max_seconds ${this.lag.max}\n`,
    ];
    return lines.join('');
  }
}

function gauge(name: string, help: string, value: number): string {
  return `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name} ${value}\n`;
}

function openFds(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return undefined;
  }
}
