import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { natsServerBinary } from '../src/dev/nats-binary';

/*
 * Child processes whose log lines (pino JSON on stderr, or JSON on stdout) can be awaited, no
 * sleeps. A trimmed copy of tests/helpers/processes.ts, whose paths only hold when jest runs it
 * from the sources, not from dist/.
 */

type Line = Record<string, any>;

export class Proc {
  readonly lines: Line[] = [];
  /** Called with every line, for counting what the short tail in `lines` would lose. */
  readonly listeners: Array<(l: Line) => void> = [];
  private waiters: Array<{ pred: (l: Line) => boolean; resolve: (l: Line) => void }> = [];
  readonly exited: Promise<number | null>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const onLine = (raw: string) => {
      let line: Line;
      try {
        line = JSON.parse(raw);
        if (!line || typeof line !== 'object' || Array.isArray(line)) line = { msg: raw };
      } catch {
        line = { msg: raw };
      }
      // Keep a short tail only: a long benchmark must not grow memory in the load generator.
      this.lines.push(line);
      if (this.lines.length > 200) this.lines.splice(0, 100);
      if (process.env.TRANSMESH_BENCH_VERBOSE) process.stderr.write(`[${name}] ${raw}\n`);
      for (const f of this.listeners) f(line);
      this.waiters = this.waiters.filter((w) => !(w.pred(line) && (w.resolve(line), true)));
    };
    if (child.stderr) createInterface({ input: child.stderr }).on('line', onLine);
    if (child.stdout) createInterface({ input: child.stdout }).on('line', onLine);
    this.exited = new Promise((r) => child.once('exit', (code) => r(code)));
  }

  get pid(): number {
    return this.child.pid!;
  }

  waitFor(pred: (l: Line) => boolean, what: string, timeoutMs = 30000): Promise<Line> {
    const seen = this.lines.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const tail = () => this.lines.slice(-10).map((l) => JSON.stringify(l)).join('\n');
      const timer = setTimeout(() => reject(new Error(`${this.name}: timed out waiting for ${what}; last lines:\n${tail()}`)), timeoutMs);
      const w = { pred, resolve: (l: Line) => (clearTimeout(timer), resolve(l)) };
      this.waiters.push(w);
      void this.exited.then((code) => {
        if (!this.waiters.includes(w)) return;
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${code}) while waiting for ${what}; last lines:\n${tail()}`));
      });
    });
  }

  waitForMsg(msg: string): Promise<Line> {
    return this.waitFor((l) => l.msg === msg, `"${msg}"`);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

/** stdin is a pipe so that helpers which exit when it closes die with the bench. */
export function spawnProc(name: string, cmd: string, args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  return new Proc(name, child);
}

/** A real nats-server with JetStream on a random port and a fresh store. */
export async function startNats(): Promise<{ url: string; proc: Proc; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'transmesh-bench-nats-'));
  const proc = spawnProc('nats-server', natsServerBinary(), ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', '-1']);
  const line = await proc.waitFor((l) => /Listening for client connections on/.test(l.msg), 'nats-server to listen');
  const port = /:(\d+)\s*$/.exec(line.msg)![1];
  await proc.waitFor((l) => /Server is ready/.test(l.msg), 'nats-server ready');
  return {
    url: `nats://127.0.0.1:${port}`,
    proc,
    stop: async () => {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
