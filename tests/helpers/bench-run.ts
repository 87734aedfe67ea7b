import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './processes';

/** One run of the built benchmark (dist/bench/main.js) with `args`, its JSON read back when it exits 0. */
export interface BenchRun {
  code: number | null;
  result: any;
  stdout: string;
  stderr: string;
}

export async function runBench(args: string[]): Promise<BenchRun> {
  const dir = mkdtempSync(join(tmpdir(), 'transmesh-bench-'));
  const out = join(dir, 'bench.json');
  // The tests check that the bench works, not Node 24: without --node the bench would fetch Node 24
  // from npm on a fresh machine, inside the test (bench/runtime.ts; its choice is unit-tested).
  const runtime = args.some((a) => a === '--node' || a.startsWith('--node=')) ? [] : ['--node', 'system'];
  try {
    const child = spawn(process.execPath, [join(repoRoot, 'dist', 'bench', 'main.js'), ...args, ...runtime, '--out', out], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const run: BenchRun = { code: null, result: undefined, stdout: '', stderr: '' };
    child.stdout.on('data', (c: Buffer) => (run.stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (run.stderr += c.toString()));
    run.code = await new Promise((r) => child.once('exit', (c) => r(c)));
    if (run.code === 0) run.result = JSON.parse(readFileSync(out, 'utf8'));
    return run;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
