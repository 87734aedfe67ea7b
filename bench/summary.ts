import type { ConversionCase } from './conversion';
import { ProcessUsage, Protocol, protocols, Window } from './end-to-end';
import { Spread, spread } from './stats';

/** The figures of the issue, each with its spread over repetitions, computed from the raw windows. */

export interface ThroughputFigures {
  readonly meshCallsPerSec: Spread;
  readonly directCallsPerSec: Spread;
  /** mesh / direct, paired per repetition. */
  readonly ratio: Spread;
}

export interface Percentiles {
  readonly p50: Spread;
  readonly p90: Spread;
  readonly p99: Spread;
}

export interface LatencyFigures {
  readonly rate: number;
  readonly meshMs: Percentiles;
  readonly directMs: Percentiles;
  /** (mesh - direct) / 2: two sidecars are two hops. Paired per repetition. */
  readonly addedPerHopMs: Percentiles;
  readonly lateSends: number;
  /** Calls/s actually completed per window, mesh and direct. */
  readonly meshAchievedRate: Spread;
  readonly directAchievedRate: Spread;
  /**
   * A window that finished below 97% of the asked rate could not keep up: calls queued, and its
   * latency measures the queue, not the hop. Lower --rate until this is false.
   */
  readonly overloaded: boolean;
}

export interface ProcessCost {
  /** CPU seconds per second per 1000 calls/s. */
  readonly vcpuPer1000: Spread;
  readonly cpuPerSecond: Spread;
  readonly rssMb: Spread;
  readonly peakRssMb: number;
}

export type CostFigures = Record<keyof ProcessUsage, ProcessCost> & { readonly achievedRate: Spread };

export interface Goal {
  readonly goal: string;
  readonly target: string;
  /** NaN when the figure was not measured (`note` says why). */
  readonly value: number;
  /** Undefined for a figure the issue asks to report, with no target to meet, or one not measured. */
  readonly met?: boolean;
  /** Printed in place of the verdict: why a row was not run, or not judged. */
  readonly note?: string;
}

function of(windows: Window[], protocol: Protocol, kind: Window['kind'], path: Window['path']): Window[] {
  return windows.filter((w) => w.protocol === protocol && w.kind === kind && w.path === path).sort((a, b) => a.rep - b.rep);
}

function paired(mesh: Window[], direct: Window[], f: (m: Window, d: Window) => number): Spread {
  const out: number[] = [];
  for (const m of mesh) {
    const d = direct.find((x) => x.rep === m.rep);
    if (d) out.push(f(m, d));
  }
  return spread(out);
}

export function throughputFigures(windows: Window[]): Record<Protocol, ThroughputFigures> {
  const out = {} as Record<Protocol, ThroughputFigures>;
  for (const p of protocols) {
    const mesh = of(windows, p, 'throughput', 'mesh');
    const direct = of(windows, p, 'throughput', 'direct');
    out[p] = { meshCallsPerSec: spread(mesh.map((w) => w.rate)), directCallsPerSec: spread(direct.map((w) => w.rate)), ratio: paired(mesh, direct, (m, d) => m.rate / d.rate) };
  }
  return out;
}

export function latencyFigures(windows: Window[], rate: number): Record<Protocol, LatencyFigures> {
  const out = {} as Record<Protocol, LatencyFigures>;
  for (const p of protocols) {
    const mesh = of(windows, p, 'latency', 'mesh');
    const direct = of(windows, p, 'latency', 'direct');
    const pct = (ws: Window[]): Percentiles => ({ p50: spread(ws.map((w) => w.latency.p50Ms)), p90: spread(ws.map((w) => w.latency.p90Ms)), p99: spread(ws.map((w) => w.latency.p99Ms)) });
    out[p] = {
      rate,
      meshMs: pct(mesh),
      directMs: pct(direct),
      addedPerHopMs: {
        p50: paired(mesh, direct, (m, d) => (m.latency.p50Ms - d.latency.p50Ms) / 2),
        p90: paired(mesh, direct, (m, d) => (m.latency.p90Ms - d.latency.p90Ms) / 2),
        p99: paired(mesh, direct, (m, d) => (m.latency.p99Ms - d.latency.p99Ms) / 2),
      },
      lateSends: [...mesh, ...direct].reduce((n, w) => n + (w.lateSends ?? 0), 0),
      meshAchievedRate: spread(mesh.map((w) => w.rate)),
      directAchievedRate: spread(direct.map((w) => w.rate)),
      overloaded: [...mesh, ...direct].some((w) => w.rate < 0.97 * rate),
    };
  }
  return out;
}

/** Cost of every process at the fixed rate, from the open-loop windows of one path. */
export function costFigures(windows: Window[], path: Window['path']): Record<Protocol, CostFigures> {
  const out = {} as Record<Protocol, CostFigures>;
  for (const p of protocols) {
    const ws = of(windows, p, 'latency', path);
    const figures = { achievedRate: spread(ws.map((w) => w.rate)) } as CostFigures;
    for (const k of Object.keys(ws[0]?.usage ?? {}) as Array<keyof ProcessUsage>) {
      figures[k] = {
        vcpuPer1000: spread(ws.map((w) => w.usage[k].cpuPerSecond / (w.rate / 1000))),
        cpuPerSecond: spread(ws.map((w) => w.usage[k].cpuPerSecond)),
        rssMb: spread(ws.map((w) => w.usage[k].rssMb)),
        peakRssMb: Math.max(...ws.map((w) => w.usage[k].peakRssMb)),
      };
    }
    out[p] = figures;
  }
  return out;
}

/** The conversion microbenchmark's target (an earlier issue's): the mesh's codec no slower than the library route. */
export function conversionChecks(conv: ConversionCase[]): Goal[] {
  return conv.filter((c) => !c.name.startsWith('parse only')).map((c) => ({ goal: `${c.name}: mesh / baseline time`, target: '<= 1', value: c.ratio.median, met: c.ratio.median <= 1 }));
}
