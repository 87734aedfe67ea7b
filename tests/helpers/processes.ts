import { join } from 'node:path';
import { repoRoot } from '../../src/config/repo-root';
import { Proc, runToEnd, spawnProc } from '../../src/dev/processes';

export { freePort, Proc, startNats } from '../../src/dev/processes';
export { repoRoot };
export const cliPath = join(repoRoot, 'bin', 'transmesh');

/** TRANSMESH_TEST_VERBOSE=1 echoes the children's output. */
function echo(name: string): ((raw: string) => void) | undefined {
  return process.env.TRANSMESH_TEST_VERBOSE ? (raw) => process.stderr.write(`[${name}] ${raw}\n`) : undefined;
}

export function spawnCli(name: string, args: string[], env: Record<string, string> = {}): Proc {
  return spawnProc(name, process.execPath, [cliPath, ...args], { env, onLine: echo(name) });
}

/** Runs a CLI command to completion. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return runToEnd(process.execPath, [cliPath, ...args], { env });
}
