import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './processes';

/**
 * The Go reference program of the differential test (tests/reference/protojson): Go's protojson
 * on IDL compiled at run time. Built once per version of its sources and kept in
 * ~/.cache/transmesh (or $XDG_CACHE_HOME/transmesh), so reruns start at once.
 */
const sources = join(repoRoot, 'tests', 'reference', 'protojson');

export interface GenCase {
  method: string;
  type: string;
  kind: 'valid' | 'noncanonical' | 'invalid';
  json: string;
  note?: string;
}

export interface CheckIn {
  type: string;
  sent: string;
  reply?: string;
  /** The mesh's JSON output options as `JsonShape` bits: the reference then writes `shaped` with protojson's matching options. */
  shape?: number;
}

export interface CheckOut {
  sentParses: boolean;
  replyParses: boolean;
  equal: boolean;
  error?: string;
  sentCanonical?: string;
  replyCanonical?: string;
  shaped?: string;
}

function goBinary(): string {
  if (process.env.GO) return process.env.GO;
  return existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go';
}

function sourceHash(): string {
  const h = createHash('sha256');
  for (const f of readdirSync(sources).filter((n) => /\.go$|^go\.(mod|sum)$/.test(n)).sort()) {
    h.update(f).update('\0').update(readFileSync(join(sources, f))).update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

/** The path of the built program, building it first when this version is not in the cache. */
export async function protojsonReference(): Promise<string> {
  const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'transmesh');
  const bin = join(cache, `protojson-reference-${sourceHash()}`);
  if (existsSync(bin)) return bin;
  mkdirSync(cache, { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  // GOTOOLCHAIN=local: never fetch another toolchain; go.sum is complete, so nothing is rewritten.
  await promisify(execFile)(goBinary(), ['build', '-trimpath', '-mod=readonly', '-o', tmp, '.'], {
    cwd: sources,
    env: { ...process.env, GOTOOLCHAIN: 'local' },
    maxBuffer: 16 << 20,
  });
  renameSync(tmp, bin);
  // Builds of older sources are never used again.
  for (const old of readdirSync(cache)) {
    if (old.startsWith('protojson-reference-') && join(cache, old) !== bin && !old.endsWith('.tmp')) rmSync(join(cache, old), { force: true });
  }
  return bin;
}

/** Runs the program with `input` on stdin; resolves with its stdout lines parsed as JSON. */
export function runReference<T>(bin: string, args: string[], input = ''): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${bin} ${args.join(' ')} exited ${code}: ${Buffer.concat(err).toString()}`));
      const text = Buffer.concat(out).toString();
      resolve(text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as T));
    });
    child.stdin.end(input);
  });
}
