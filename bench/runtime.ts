import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './paths';

/**
 * The Node that runs the Transmesh processes the bench starts (sidecars, control plane, CLI
 * commands). Issue 23: Node 24 is the runtime the bench reports first, a binary from the `node`
 * package's platform build on npm (scripts/ensure-tools.sh `ensure_node24`, cached in
 * ~/.cache/transmesh/node24-<version>/); `--node system` keeps the node running the bench. The
 * providers and the load generator stay on the bench's own node, so the direct paths do not move.
 */
export interface BenchRuntime {
  /** What was asked: `24`, `system` or a path. */
  readonly asked: string;
  /** The binary the Transmesh processes run on. */
  readonly node: string;
  /** Its `process.version`, e.g. v24.22.3. */
  readonly version: string;
  /** Why the asked runtime could not be had and the bench fell back to its own node. */
  readonly fallback?: string;
}

/** Newest unpacked Node 24 in the cache (node24-<version>/bin/node), TRANSMESH_NODE24 first. */
export function findNode24(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.TRANSMESH_NODE24 && existsSync(env.TRANSMESH_NODE24)) return env.TRANSMESH_NODE24;
  const cache = env.TRANSMESH_CACHE_DIR ?? join(homedir(), '.cache', 'transmesh');
  let dirs: string[];
  try {
    dirs = readdirSync(cache).filter((d) => /^node24-\d+\.\d+\.\d+$/.test(d));
  } catch {
    return undefined;
  }
  const byVersion = (d: string) => d.slice('node24-'.length).split('.').map(Number);
  dirs.sort((a, b) => {
    const [x, y] = [byVersion(a), byVersion(b)];
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
  });
  return dirs.map((d) => join(cache, d, 'bin', 'node')).reverse().find((p) => existsSync(p));
}

/** `ensure_node24` (npm pack from the configured registry), for a bench started without scripts/bench.sh. */
function fetchNode24(): string {
  const script = `source "${join(repoRoot, 'scripts', 'ensure-tools.sh')}" && ensure_node24 >&2 && printf %s "$TRANSMESH_NODE24"`;
  try {
    return execFileSync('bash', ['-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 }).trim();
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim().split('\n').at(-1);
    throw new Error(stderr || (err as Error).message, { cause: err });
  }
}

export function nodeVersion(bin: string): string {
  return execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
}

/** Resolves `--node`: `24` (default; fetched when missing), `system`, or a path to a node binary. */
export function resolveRuntime(asked: string, find: () => string | undefined = findNode24, fetch: () => string = fetchNode24): BenchRuntime {
  const system = { asked, node: process.execPath, version: process.version };
  if (asked === 'system') return system;
  let bin: string | undefined;
  let why = '';
  if (asked === '24') {
    try {
      bin = find() ?? fetch();
    } catch (err) {
      why = `Node 24 could not be fetched (${(err as Error).message})`;
    }
  } else if (existsSync(asked)) bin = asked;
  else why = `${asked} does not exist`;
  if (bin) {
    try {
      const version = nodeVersion(bin);
      if (asked !== '24' || version.startsWith('v24.')) return { asked, node: bin, version };
      why = `${bin} is ${version}, not Node 24`;
    } catch (err) {
      why = `${bin} does not run (${(err as Error).message})`;
    }
  }
  return { ...system, fallback: `${why}; running on the system node ${process.version} instead` };
}

/** The header's runtime line: what the Transmesh processes ran on, and the rest. */
export function runtimeLine(rt: BenchRuntime): string {
  const v = rt.version.replace(/^v/, '');
  const head = rt.node === process.execPath ? `Node ${v} (bench runtime: sidecars, control plane, providers, load generator)` : `Node ${v} (bench runtime: sidecars, control plane); providers and load generator on Node ${process.version.replace(/^v/, '')}`;
  return rt.fallback ? `${head}. FALLBACK: ${rt.fallback}` : head;
}
