import { CallFn, closedLoop, openLoop, WindowResult } from './load';
import { sampleUsage, selfSample, UsageSample, usageBetween } from './proc-usage';
import { table } from './report';
import { fmtSpread, Spread, spread } from './stats';

/**
 * Side-by-side runs of several paths to the same provider (the mesh, a direct call, peers such
 * as grpc-gateway or nginx, or the mesh under a heavier load), windows interleaved A/B/C/A/B/C
 * so that a shared machine's drifting load falls on every path alike. For each path: calls/s,
 * latency and the CPU per call of the processes in its way.
 */
export interface ComparedPath {
  readonly name: string;
  readonly call: CallFn;
  /** Calls in flight in the closed loop. */
  readonly inFlight: number;
  /** The processes a call passes through besides the provider (the "hop"): their CPU per call is summed. */
  readonly hop: Record<string, number>;
  /** Other processes measured (the provider). */
  readonly others: Record<string, number>;
  /** Open loop at this rate too, when given. */
  readonly rate?: number;
}

export interface ComparedWindow {
  readonly path: string;
  readonly kind: 'closed' | 'open';
  readonly rep: number;
  readonly askedRate?: number;
  readonly rate: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly firstError?: string;
  /** CPU µs per completed call, per process, and `hop` (summed over the hop's processes). */
  readonly usPerCall: Record<string, number>;
  readonly rssMb: Record<string, number>;
}

export interface ComparedRow {
  readonly path: string;
  readonly kind: 'closed' | 'open';
  /** Open loop: some window finished below 97% of the asked rate, so its latency is queueing. */
  readonly overloaded: boolean;
  readonly callsPerSec: Spread;
  readonly p50Ms: Spread;
  readonly p99Ms: Spread;
  readonly hopUsPerCall: Spread;
  readonly usPerCall: Record<string, Spread>;
  readonly rssMb: Record<string, Spread>;
}

export interface CompareOptions {
  readonly reps: number;
  readonly windowMs: number;
  readonly warmupMs: number;
  readonly firstWarmupMs: number;
}

function sampleAll(pids: Record<string, number>): Record<string, UsageSample> {
  const out: Record<string, UsageSample> = { loadGenerator: selfSample() };
  for (const [k, pid] of Object.entries(pids)) out[k] = sampleUsage(pid);
  return out;
}

async function measure(p: ComparedPath, kind: 'closed' | 'open', rep: number, opts: CompareOptions): Promise<ComparedWindow> {
  const run = (ms: number): Promise<WindowResult> => (kind === 'closed' ? closedLoop(p.call, p.inFlight, ms) : openLoop(p.call, p.rate!, ms));
  await run(opts.warmupMs);
  const pids = { ...p.hop, ...p.others };
  const before = sampleAll(pids);
  const r = await run(opts.windowMs);
  const after = sampleAll(pids);
  const usPerCall: Record<string, number> = {};
  const rssMb: Record<string, number> = {};
  let hop = 0;
  for (const k of Object.keys(before)) {
    const u = usageBetween(before[k], after[k]);
    usPerCall[k] = (u.cpuPerSecond / r.rate) * 1e6;
    rssMb[k] = u.rssMb;
    if (k in p.hop) hop += usPerCall[k];
  }
  usPerCall.hop = hop;
  return { path: p.name, kind, rep, askedRate: kind === 'open' ? p.rate : undefined, rate: r.rate, p50Ms: r.latency.p50Ms, p99Ms: r.latency.p99Ms, errors: r.errors, firstError: r.firstError, usPerCall, rssMb };
}

/** Runs every path, closed loop then open loop, interleaved per repetition. */
export async function comparePaths(paths: ComparedPath[], opts: CompareOptions, progress: (m: string) => void): Promise<ComparedWindow[]> {
  for (const p of paths) {
    progress(`warm-up ${p.name}`);
    await closedLoop(p.call, p.inFlight, opts.firstWarmupMs);
  }
  const windows: ComparedWindow[] = [];
  for (const kind of ['closed', 'open'] as const) {
    for (let rep = 0; rep < opts.reps; rep++) {
      for (const p of paths) {
        if (kind === 'open' && !p.rate) continue;
        const w = await measure(p, kind, rep, opts);
        windows.push(w);
        progress(`${kind} ${p.name} #${rep + 1}: ${w.rate.toFixed(0)} calls/s, p99 ${w.p99Ms.toFixed(2)} ms, hop ${w.usPerCall.hop.toFixed(0)} µs CPU/call${w.errors ? `, ${w.errors} errors (${w.firstError})` : ''}`);
      }
    }
  }
  return windows;
}

export function compareRows(windows: ComparedWindow[]): ComparedRow[] {
  const rows: ComparedRow[] = [];
  const keys = [...new Set(windows.map((w) => `${w.kind}\u0000${w.path}`))];
  for (const key of keys) {
    const [kind, path] = key.split('\u0000') as ['closed' | 'open', string];
    const ws = windows.filter((w) => w.kind === kind && w.path === path);
    const procs = Object.keys(ws[0].usPerCall).filter((k) => k !== 'hop');
    rows.push({
      path,
      kind,
      overloaded: ws.some((w) => w.askedRate !== undefined && w.rate < 0.97 * w.askedRate),
      callsPerSec: spread(ws.map((w) => w.rate)),
      p50Ms: spread(ws.map((w) => w.p50Ms)),
      p99Ms: spread(ws.map((w) => w.p99Ms)),
      hopUsPerCall: spread(ws.map((w) => w.usPerCall.hop)),
      usPerCall: Object.fromEntries(procs.map((k) => [k, spread(ws.map((w) => w.usPerCall[k]))])),
      rssMb: Object.fromEntries(procs.map((k) => [k, spread(ws.map((w) => w.rssMb[k]))])),
    });
  }
  return rows;
}

/** One table: a row per path and loop; the hop's CPU per call, each process's, and RSS. */
export function compareTable(title: string, rows: ComparedRow[]): string {
  const head = ['path', 'loop', 'calls/s', 'p50 ms', 'p99 ms', 'hop CPU µs/call', 'CPU µs/call by process', 'RSS MB by process'];
  const body = rows.map((r) => [
    r.path,
    r.overloaded ? 'open, OVERLOADED' : r.kind,
    fmtSpread(r.callsPerSec, 0),
    fmtSpread(r.p50Ms, 2),
    fmtSpread(r.p99Ms, 2),
    fmtSpread(r.hopUsPerCall, 0),
    Object.entries(r.usPerCall)
      .map(([k, s]) => `${k} ${s.median.toFixed(0)}`)
      .join(', '),
    Object.entries(r.rssMb)
      .filter(([k]) => k !== 'loadGenerator')
      .map(([k, s]) => `${k} ${s.median.toFixed(0)}`)
      .join(', '),
  ]);
  return `${title}\n${table(head, body)}`;
}

/** f(num) / f(den) per repetition, from windows of the same loop kind. */
export function pairedRatio(windows: ComparedWindow[], kind: ComparedWindow['kind'], num: string, den: string, f: (w: ComparedWindow) => number): Spread {
  const out: number[] = [];
  for (const n of windows.filter((w) => w.kind === kind && w.path === num)) {
    const d = windows.find((w) => w.kind === kind && w.path === den && w.rep === n.rep);
    if (d) out.push(f(n) / f(d));
  }
  return spread(out);
}
