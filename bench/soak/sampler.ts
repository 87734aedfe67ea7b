import { readdirSync, readFileSync } from 'node:fs';
import { sampleUsage } from '../proc-usage';
import type { Point } from './flatness';
import type { MeshProc } from './soak-mesh';
import { HeapProbe } from './heap-probe';
import { natsMetricUnits, type NatsProbe } from './nats-probe';

/** What is sampled, with the unit its values are in. */
export const metricUnits = {
  rss: 'MB',
  /** Anonymous resident memory (/proc/PID/status RssAnon): RSS without the mapped binary and libraries. */
  rssAnon: 'MB',
  heap: 'MB',
  /** Live timers (setTimeout/setInterval not cleared or fired), read through the inspector. */
  timers: 'timers',
  fds: 'fds',
  lagP99: 'ms',
  ...natsMetricUnits,
} as const;
export type Metric = keyof typeof metricUnits;

/**
 * Samples every process of the mesh: RSS and open file descriptors from /proc (any process), a
 * Transmesh process's V8 heap after a full GC (its inspector) and event-loop lag (its /metrics),
 * and nats-server's own view of itself (bench/soak/nats-probe.ts): its memory, Go heap, streams,
 * consumers and subscriptions, and which connection (sidecar, control plane) holds them.
 * A series is `role|metric`, its points timed from the soak's start.
 */
export class Sampler {
  readonly series = new Map<string, Point[]>();
  readonly failures: string[] = [];

  constructor(
    private readonly procs: () => Iterable<MeshProc>,
    private readonly nats: NatsProbe,
    private readonly t0: number,
  ) {}

  /**
   * Timers are counted every this many samples: `Runtime.queryObjects` walks the whole heap, and
   * on a starved machine every 10 s held a control plane's event loop long enough to fail
   * certificate requests.
   */
  static readonly timersEvery = 6;
  private round = 0;

  async sample(): Promise<void> {
    const t = Date.now() - this.t0;
    const withTimers = this.round++ % Sampler.timersEvery === 0;
    await Promise.all([...this.procs()].map((p) => this.sampleProc(p, t, withTimers)));
    await this.sampleNats(t);
  }

  private async sampleProc(p: MeshProc, t: number, withTimers: boolean): Promise<void> {
    const pid = p.proc.pid;
    if (p.proc.child.exitCode !== null || p.proc.child.signalCode !== null) return;
    try {
      this.add(p.role, 'rss', t, sampleUsage(pid).rssMb);
      this.add(p.role, 'rssAnon', t, statusKb(readFileSync(`/proc/${pid}/status`, 'utf8'), 'RssAnon') / 1024);
      this.add(p.role, 'fds', t, readdirSync(`/proc/${pid}/fd`).length);
    } catch (err) {
      this.fail(`${p.role}: /proc: ${(err as Error).message}`);
    }
    if (p.inspector) {
      // Connected only for the sample: a process with a debugger attached does not exit (it waits
      // for the debugger to leave), and the soak stops processes on purpose.
      let probe: HeapProbe | undefined;
      try {
        probe = await HeapProbe.connect(p.inspector);
        this.add(p.role, 'heap', t, await probe.retainedMb());
        if (withTimers) this.add(p.role, 'timers', t, await probe.timers());
      } catch (err) {
        this.fail(`${p.role}: inspector: ${(err as Error).message}`);
      } finally {
        probe?.close();
      }
    }
    if (!p.admin) return;
    try {
      const text = await (await fetch(`${p.admin}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
      this.add(p.role, 'lagP99', t, gaugeValue(text, 'nodejs_eventloop_lag_p99_seconds') * 1000);
    } catch (err) {
      this.fail(`${p.role}: /metrics: ${(err as Error).message}`);
    }
  }

  private async sampleNats(t: number): Promise<void> {
    try {
      for (const v of await this.nats.sample()) this.add(v.role, v.metric, t, v.value);
    } catch (err) {
      this.fail(`nats-server monitoring: ${(err as Error).message}`);
    }
  }

  private add(role: string, metric: Metric, t: number, v: number): void {
    const key = `${role}|${metric}`;
    let list = this.series.get(key);
    if (!list) this.series.set(key, (list = []));
    list.push({ t, v });
  }

  private fail(what: string): void {
    if (this.failures.length < 50) this.failures.push(what);
  }
}

/** A sample's value from Prometheus text: the line that starts with `name ` (labels included in `name`). */
export function gaugeValue(text: string, name: string): number {
  for (const line of text.split('\n')) if (line.startsWith(`${name} `)) return Number(line.slice(name.length + 1));
  return NaN;
}

/** A `Name:   N kB` field of /proc/PID/status, in kB. */
export function statusKb(text: string, name: string): number {
  const m = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}
