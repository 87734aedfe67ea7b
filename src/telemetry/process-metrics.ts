import { readdirSync, readFileSync } from 'node:fs';
import { constants, monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, MetricSet } from './metric-family';

/** The GC kinds as perf_hooks numbers them, by the names every Node exporter uses. */
const gcKinds: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

/** Event-loop delay percentiles: the name's middle part and the percentile. */
const lagPercentiles = [
  ['p50', 50],
  ['p90', 90],
  ['p99', 99],
] as const;

/**
 * The process figures every Node exporter shows, with the names prom-client's
 * collectDefaultMetrics gives them, so dashboards made for Node services work unchanged. Almost
 * all are read at scrape time; between scrapes only two things run, both inside Node: the
 * event-loop delay monitor (a libuv timer every 10 ms that keeps no process alive) and a GC
 * observer (one callback per collection).
 */
export class ProcessMetrics {
  private readonly set = new MetricSet();
  private readonly startTime = Math.round(Date.now() / 1000 - process.uptime());
  private readonly maxFds = readMaxFds();
  private readonly lagMonitor: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly gc = new Histogram('nodejs_gc_duration_seconds', 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.', ['kind'], [0.001, 0.01, 0.1, 1, 2, 5]);
  private readonly gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) this.gc.observe(e.duration / 1000, gcKinds[(e as { detail?: { kind?: number } }).detail?.kind ?? -1] ?? 'unknown');
  });
  /** The last event-loop lag measured with setImmediate (the one before this scrape's). */
  private lag = 0;
  private started = false;

  constructor() {
    const gauge = (name: string, help: string) => this.set.add(new Gauge(name, help));
    const cpuUser = this.set.add(new Counter('process_cpu_user_seconds_total', 'Total user CPU time spent in seconds.'));
    const cpuSystem = this.set.add(new Counter('process_cpu_system_seconds_total', 'Total system CPU time spent in seconds.'));
    const cpu = this.set.add(new Counter('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.'));
    const start = gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.');
    const rss = gauge('process_resident_memory_bytes', 'Resident memory size in bytes.');
    const openFds = process.platform === 'linux' ? gauge('process_open_fds', 'Number of open file descriptors.') : undefined;
    const maxFds = this.maxFds !== undefined ? gauge('process_max_fds', 'Maximum number of open file descriptors.') : undefined;
    const lag = gauge('nodejs_eventloop_lag_seconds', 'Lag of event loop in seconds.');
    const lagMin = gauge('nodejs_eventloop_lag_min_seconds', 'The minimum recorded event loop delay.');
    const lagMax = gauge('nodejs_eventloop_lag_max_seconds', 'The maximum recorded event loop delay.');
    const lagMean = gauge('nodejs_eventloop_lag_mean_seconds', 'The mean of the recorded event loop delays.');
    const lagStddev = gauge('nodejs_eventloop_lag_stddev_seconds', 'The standard deviation of the recorded event loop delays.');
    const lagP = lagPercentiles.map(([name, p]) => [gauge(`nodejs_eventloop_lag_${name}_seconds`, `The ${p}th percentile of the recorded event loop delays.`), p] as const);
    const handles = gauge('nodejs_active_handles_total', 'Total number of active handles.');
    const heapTotal = gauge('nodejs_heap_size_total_bytes', 'Process heap size from Node.js in bytes.');
    const heapUsed = gauge('nodejs_heap_size_used_bytes', 'Process heap size used from Node.js in bytes.');
    const external = gauge('nodejs_external_memory_bytes', 'Node.js external memory size in bytes.');
    const version = this.set.add(new Gauge('nodejs_version_info', 'Node.js version info.', ['version', 'major', 'minor', 'patch']));
    this.set.add(this.gc);
    const [major, minor, patch] = process.versions.node.split('.');
    version.set(1, process.version, major ?? '', minor ?? '', patch ?? '');
    this.set.onCollect(() => {
      const usage = process.cpuUsage();
      cpuUser.set(usage.user / 1e6);
      cpuSystem.set(usage.system / 1e6);
      cpu.set((usage.user + usage.system) / 1e6);
      start.set(this.startTime);
      const mem = process.memoryUsage();
      rss.set(mem.rss);
      heapTotal.set(mem.heapTotal);
      heapUsed.set(mem.heapUsed);
      external.set(mem.external);
      if (openFds) openFds.set(countOpenFds());
      if (maxFds && this.maxFds !== undefined) maxFds.set(this.maxFds);
      handles.set(activeHandles());
      // The delay of one setImmediate, measured now and shown at the next scrape (a scrape is synchronous).
      const t0 = process.hrtime.bigint();
      setImmediate(() => (this.lag = Number(process.hrtime.bigint() - t0) / 1e9));
      lag.set(this.lag);
      // The monitor's figures cover the time since the previous scrape, then start afresh.
      const h = this.lagMonitor;
      if (h.count > 0) {
        lagMin.set(h.min / 1e9);
        lagMax.set(h.max / 1e9);
        lagMean.set(h.mean / 1e9);
        lagStddev.set(h.stddev / 1e9);
        for (const [g, p] of lagP) g.set(h.percentile(p) / 1e9);
        h.reset();
      }
    });
  }

  /** Starts the event-loop delay monitor and the GC observer; figures read at scrape time need neither. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.lagMonitor.enable();
    this.gcObserver.observe({ entryTypes: ['gc'] });
  }

  stop(): void {
    if (!this.started) return;
    this.started = false;
    this.lagMonitor.disable();
    this.gcObserver.disconnect();
  }

  render(): string {
    return this.set.render();
  }
}

function countOpenFds(): number {
  try {
    // Less the descriptor readdir itself opened (closed again by now).
    return readdirSync('/proc/self/fd').length - 1;
  } catch {
    return 0;
  }
}

/** The soft limit of open files, from /proc (Linux only); read once, it does not change under us. */
function readMaxFds(): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const n = Number(line?.split(/\s+/)[3]);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** libuv handles alive (sockets, timers, servers); Node has no public counterpart of this private call. */
function activeHandles(): number {
  const get = (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles;
  return get ? get.call(process).length : 0;
}
