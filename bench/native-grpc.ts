import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ComparedWindow, pairedRatio } from './compare';
import { findGhz, GhzLoad, GhzResult, reapedChildrenCpuSeconds, runGhz } from './ghz';
import { type MeshEnv, transmeshRuntime } from './mesh-env';
import { NODE_RELAY, startNodeFloor } from './node-relay-peer';
import type { BenchOptions } from './options';
import { benchProto, benchService } from './paths';
import { itemJson } from './payload';
import { Peer, startNginx } from './peers';
import { clockTicks, sampleUsage } from './proc-usage';
import { spread } from './stats';
import type { Goal } from './summary';

/**
 * Native gRPC through the mesh (issue 23): a gRPC caller's message passes through both sidecars
 * unconverted (docs/grpc-callers.md). ghz drives the consumer sidecar's --listen port, the
 * provider directly and, when nginx is installed, an nginx `grpc_pass` hop, windows interleaved
 * A/B/C/A/B/C, closed loop then at the fixed rate. CPU per call of each process in the way, from
 * /proc, as in the other tables; ghz's own CPU is "loadGenerator".
 */

export const NATIVE_MESH = 'native gRPC mesh (2 sidecars, pass-through)';
export const NATIVE_DIRECT = 'native gRPC direct';
export const NATIVE_NGINX = 'native gRPC nginx grpc_pass';

interface NativePath {
  readonly name: string;
  readonly target: string;
  readonly hop: Record<string, number>;
  readonly others: Record<string, number>;
}

async function window(bin: string, p: NativePath, kind: 'closed' | 'open', rep: number, load: Omit<GhzLoad, 'target'>): Promise<ComparedWindow> {
  const pids = { ...p.hop, ...p.others };
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, sampleUsage(pid)]));
  const ghzBefore = reapedChildrenCpuSeconds(clockTicks());
  const r: GhzResult = await runGhz(bin, { ...load, target: p.target });
  const ghzCpu = reapedChildrenCpuSeconds(clockTicks()) - ghzBefore;
  const per = (cpu: number) => (r.count ? (cpu / r.count) * 1e6 : NaN);
  const usPerCall: Record<string, number> = { loadGenerator: per(ghzCpu) };
  const rssMb: Record<string, number> = { loadGenerator: NaN };
  let hop = 0;
  for (const [k, pid] of Object.entries(pids)) {
    const after = sampleUsage(pid);
    usPerCall[k] = per(after.cpuSeconds - before[k].cpuSeconds);
    rssMb[k] = after.rssMb;
    if (k in p.hop) hop += usPerCall[k];
  }
  usPerCall.hop = hop;
  return { path: p.name, kind, rep, askedRate: load.rps, rate: r.rate, p50Ms: r.p50Ms, p99Ms: r.p99Ms, errors: r.errors, firstError: r.firstError, usPerCall, rssMb };
}

export async function runNativeGrpc(env: MeshEnv, opts: BenchOptions, progress: (m: string) => void): Promise<{ windows: ComparedWindow[]; missing: string[] }> {
  const bin = findGhz();
  if (!bin) return { windows: [], missing: ['native gRPC rows: ghz not found (scripts/ensure-tools.sh ensure_ghz builds it; npm run bench does)'] };
  const dir = mkdtempSync(join(tmpdir(), 'transmesh-bench-ghz-'));
  const dataFile = join(dir, 'item.json');
  writeFileSync(dataFile, itemJson());
  const others = { grpcProvider: env.grpcProvider.pid };
  const paths: NativePath[] = [
    { name: NATIVE_MESH, target: new URL(env.consumerUrl).host, hop: { consumerSidecar: env.consumer.pid, providerSidecar: env.provider.pid }, others },
    { name: NATIVE_DIRECT, target: `127.0.0.1:${env.grpcPort}`, hop: {}, others },
  ];
  const missing: string[] = [];
  let nginx: Peer | undefined;
  // The cost floor of a gRPC hop, when nginx is installed (scripts/bench.sh installs it with --peers).
  try {
    nginx = await startNginx(env.grpcPort);
    paths.push({ name: NATIVE_NGINX, target: `127.0.0.1:${nginx.port}`, hop: { nginx: nginx.proc.pid }, others });
  } catch (err) {
    missing.push(`nginx grpc_pass (native rows): ${(err as Error).message}`);
  }
  // Node's floors on the sidecars' own runtime and flags: a bare node:http2 relay, and a node:http2
  // server answering by itself (what terminating one call costs), so the mesh's rows read against
  // what any gRPC proxy on Node pays.
  const floors: Peer[] = [];
  for (const kind of ['relay', 'echo'] as const) {
    try {
      const floor = await startNodeFloor(kind, env.grpcPort, transmeshRuntime(), opts.sidecarNodeFlags);
      floors.push(floor);
      paths.push({ name: floor.name, target: `127.0.0.1:${floor.port}`, hop: { node: floor.proc.pid }, others: kind === 'relay' ? others : {} });
    } catch (err) {
      missing.push(`node:http2 ${kind} (native rows): ${(err as Error).message}`);
    }
  }
  const base = { proto: benchProto, call: `${benchService}.Put`, dataFile };
  // Closed loop as the other tables: `inFlight` calls over 4 connections (ghz spreads them); open
  // loop at the rate over `connections` workers, so a slow call does not hold the pace back.
  const closed = { ...base, concurrency: opts.inFlight, connections: 4 };
  const open = { ...base, concurrency: opts.connections, connections: 4, rps: opts.rate };
  const windows: ComparedWindow[] = [];
  try {
    for (const p of paths) {
      progress(`warm-up ${p.name} (ghz)`);
      const w = await window(bin, p, 'closed', -1, { ...closed, durationMs: opts.firstWarmupMs });
      if (w.errors) throw new Error(`${p.name}: ${w.errors} calls failed in the warm-up (${w.firstError})`);
    }
    for (const kind of ['closed', 'open'] as const) {
      for (let rep = 0; rep < opts.reps; rep++) {
        for (const p of paths) {
          const load = kind === 'closed' ? { ...closed, durationMs: opts.throughputMs } : { ...open, durationMs: opts.latencyMs };
          const w = await window(bin, p, kind, rep, load);
          windows.push(w);
          progress(`${kind} ${p.name} #${rep + 1}: ${w.rate.toFixed(0)} calls/s, p99 ${w.p99Ms.toFixed(2)} ms, hop ${w.usPerCall.hop.toFixed(0)} µs CPU/call${w.errors ? `, ${w.errors} errors (${w.firstError})` : ''}`);
        }
      }
    }
  } finally {
    await nginx?.stop();
    for (const f of floors) await f.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return { windows, missing };
}

/**
 * Issue 23's native gRPC goals: calls/s through the mesh ≥ 0.9x direct (paired per repetition)
 * and each sidecar ≤ 0.15 vCPU per 1,000 calls/s (150 µs per call) at the fixed rate. Without
 * windows of both paths the rows are there, saying why (`notRun`).
 */
export function nativeGoals(windows: ComparedWindow[], rate: number, notRun = 'no native gRPC windows'): Goal[] {
  const rows = [
    { goal: 'native gRPC calls/s, mesh / direct (ghz, paired)', target: '>= 0.9' },
    ...['consumerSidecar', 'providerSidecar'].map((s) => ({ goal: `native gRPC ${s} vCPU per 1000 calls/s (at ${rate}/s)`, target: '<= 0.15' })),
  ];
  const has = (path: string) => windows.some((w) => w.path === path && w.kind === 'closed');
  if (!has(NATIVE_MESH) || !has(NATIVE_DIRECT)) return rows.map((r) => ({ ...r, value: NaN, note: `not run (${notRun})` }));
  const ratio = pairedRatio(windows, 'closed', NATIVE_MESH, NATIVE_DIRECT, (w) => w.rate).median;
  const fixed = windows.filter((w) => w.path === NATIVE_MESH && w.kind === 'open');
  const cpu = ['consumerSidecar', 'providerSidecar'].map((s) => spread(fixed.map((w) => w.usPerCall[s])).median / 1000);
  const out: Goal[] = [
    { ...rows[0], value: ratio, met: ratio >= 0.9 },
    ...cpu.map((v, i) => ({ ...rows[i + 1], value: v, met: v <= 0.15 })),
  ];
  // Reported, not judged: each sidecar against a bare node:http2 relay on the same runtime (Node's floor).
  const relay = windows.filter((w) => w.path === NODE_RELAY && w.kind === 'open');
  if (relay.length) {
    const floor = spread(relay.map((w) => w.usPerCall.node)).median / 1000;
    out.push({ goal: `native gRPC node:http2 relay (Node's floor) vCPU per 1000 calls/s (at ${rate}/s)`, target: 'reported', value: floor });
  }
  return out;
}
