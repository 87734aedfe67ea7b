import { readdirSync } from 'node:fs';
import { sampleUsage } from '../proc-usage';
import type { Point } from './flatness';
import type { MeshProc } from './soak-mesh';
import { HeapProbe } from './heap-probe';

/** What is sampled, with the unit its values are in. */
export const metricUnits = {
  rss: 'MB',
  heap: 'MB',
  stored: 'MB',
  fds: 'fds',
  lagP99: 'ms',
  consumers: 'consumers',
  connections: 'conns',
  subscriptions: 'subs',
} as const;
export type Metric = keyof typeof metricUnits;

/**
 * Samples every process of the mesh: RSS and open file descriptors from /proc (any process), a
 * Transmesh process's V8 heap after a full GC (its inspector) and event-loop lag (its /metrics),
 * and from nats-server's monitoring port the JetStream consumers and stored bytes (/jsz), client
 * connections and subscriptions (/varz).
 * A series is `role|metric`, its points timed from the soak's start.
 */
export class Sampler {
  readonly series = new Map<string, Point[]>();
  readonly failures: string[] = [];

  constructor(
    private readonly procs: () => Iterable<MeshProc>,
    private readonly monitorUrl: string,
    private readonly t0: number,
  ) {}

  async sample(): Promise<void> {
    const t = Date.now() - this.t0;
    await Promise.all([...this.procs()].map((p) => this.sampleProc(p, t)));
    await this.sampleNats(t);
  }

  private async sampleProc(p: MeshProc, t: number): Promise<void> {
    const pid = p.proc.pid;
    if (p.proc.child.exitCode !== null || p.proc.child.signalCode !== null) return;
    try {
      this.add(p.role, 'rss', t, sampleUsage(pid).rssMb);
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
      const get = async (path: string) => (await (await fetch(`${this.monitorUrl}${path}`, { signal: AbortSignal.timeout(5000) })).json()) as Record<string, number>;
      const [jsz, varz] = await Promise.all([get('/jsz?consumers=true'), get('/varz')]);
      this.add('nats-server', 'consumers', t, jsz.consumers);
      this.add('nats-server', 'stored', t, jsz.bytes / 1048576);
      this.add('nats-server', 'connections', t, varz.connections);
      this.add('nats-server', 'subscriptions', t, varz.subscriptions);
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
