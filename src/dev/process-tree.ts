import { ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * The children of `transmesh dev`: each started in order and awaited on a line it prints
 * when ready, all stopped in reverse order on shutdown.
 */
export class ProcessTree {
  private readonly children: Array<{ name: string; child: ChildProcess }> = [];

  constructor(private readonly onLine: (name: string, line: string) => void = () => undefined) {
    // However this process ends, its children end with it.
    process.once('exit', () => {
      for (const { child } of this.children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    });
  }

  /** Spawns a child and resolves with the first output line that `ready` accepts. */
  start(name: string, cmd: string, args: string[], ready: (line: string) => boolean, opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<string> {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.push({ name, child });
    return new Promise((resolve, reject) => {
      const tail: string[] = [];
      let done = false;
      const timer = setTimeout(() => fail(new Error(`${name} was not ready after ${(opts.timeoutMs ?? 60000) / 1000} s`)), opts.timeoutMs ?? 60000);
      const fail = (err: Error) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        reject(new Error(`${err.message}\n${tail.join('\n')}`));
      };
      const line = (l: string) => {
        tail.push(l);
        if (tail.length > 15) tail.shift();
        this.onLine(name, l);
        if (!done && ready(l)) {
          done = true;
          clearTimeout(timer);
          resolve(l);
        }
      };
      createInterface({ input: child.stdout! }).on('line', line);
      createInterface({ input: child.stderr! }).on('line', line);
      child.once('error', (err) => fail(err));
      child.once('exit', (code) => fail(new Error(`${name} exited with ${code}`)));
    });
  }

  /** Runs a command to its end, for one-shot steps (an IDL push, the PHP client). */
  static run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (c) => (stdout += c));
      child.stderr!.on('data', (c) => (stderr += c));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
  }

  async stopAll(): Promise<void> {
    for (const { child } of this.children.reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
      await exited;
      clearTimeout(timer);
    }
  }
}
