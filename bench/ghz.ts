import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * ghz (a Go gRPC load generator, built by scripts/ensure-tools.sh `ensure_ghz`) as the client of
 * the native gRPC rows: grpc-js as a client costs more CPU per call than a sidecar, so with it the
 * client, not the mesh, would set the calls/s. One window is one ghz process; its CPU is read
 * from this process's reaped-children counters, since ghz is gone by the time it is counted.
 */

/** TRANSMESH_GHZ, else the cached build; undefined when neither exists. */
export function findGhz(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [env.TRANSMESH_GHZ, join(env.TRANSMESH_TOOLS_BIN ?? join(homedir(), '.cache', 'transmesh', 'bin'), 'ghz')];
  return candidates.find((p): p is string => !!p && existsSync(p));
}

export interface GhzLoad {
  /** host:port of a cleartext HTTP/2 gRPC server. */
  readonly target: string;
  readonly proto: string;
  /** `package.Service.Method`. */
  readonly call: string;
  /** The request as JSON (protojson). */
  readonly dataFile: string;
  readonly concurrency: number;
  readonly connections: number;
  /** Open loop: ghz paces calls at this rate; closed loop when undefined. */
  readonly rps?: number;
  readonly durationMs: number;
}

export interface GhzResult {
  readonly count: number;
  readonly rate: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly firstError?: string;
}

interface GhzReport {
  count: number;
  rps: number;
  latencyDistribution?: Array<{ percentage: number; latency: number }> | null;
  statusCodeDistribution?: Record<string, number>;
  errorDistribution?: Record<string, number> | null;
}

export function ghzArgs(load: GhzLoad): string[] {
  const args = ['--insecure', '--proto', load.proto, '--import-paths', join(load.proto, '..'), '--call', load.call, '-D', load.dataFile];
  // "wait": the calls in flight when the time is up finish and count ("close" would report them as failed).
  args.push('-c', String(load.concurrency), '--connections', String(load.connections), '-z', `${load.durationMs}ms`, '--duration-stop', 'wait', '-O', 'json');
  if (load.rps) args.push('--rps', String(load.rps));
  args.push(load.target);
  return args;
}

/** ghz's JSON report as the bench's window figures (its latencies are in nanoseconds). */
export function parseGhzReport(text: string): GhzResult {
  const r = JSON.parse(text) as GhzReport;
  const at = (p: number) => (r.latencyDistribution ?? []).find((d) => d.percentage === p)?.latency ?? NaN;
  const ok = r.statusCodeDistribution?.OK ?? 0;
  const errs = Object.entries(r.errorDistribution ?? {});
  return { count: ok, rate: r.rps * (r.count ? ok / r.count : 0), p50Ms: at(50) / 1e6, p99Ms: at(99) / 1e6, errors: r.count - ok, firstError: errs[0]?.[0] };
}

export function runGhz(bin: string, load: GhzLoad): Promise<GhzResult> {
  return new Promise((resolve, reject) => {
    execFile(bin, ghzArgs(load), { maxBuffer: 16 << 20, timeout: load.durationMs + 30_000 }, (err, stdout, stderr) => {
      // ghz exits non-zero when calls failed but still prints its report: the errors are counted.
      if (stdout.trim().startsWith('{')) return resolve(parseGhzReport(stdout));
      reject(new Error(`ghz failed: ${err?.message ?? ''} ${stderr.slice(-1000)}`));
    });
  });
}

/** CPU seconds of this process's children that have exited and been waited for (ghz windows). */
export function reapedChildrenCpuSeconds(ticksPerSecond: number): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 16 and 17 of stat (cutime, cstime) are the 14th and 15th after the command name.
  return (Number(f[13]) + Number(f[14])) / ticksPerSecond;
}
