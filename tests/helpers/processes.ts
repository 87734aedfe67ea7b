import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { natsServerBinary } from '../../src/dev/nats-binary';

export const repoRoot = join(__dirname, '..', '..');
export const cliPath = join(repoRoot, 'bin', 'transmesh');

type LogLine = Record<string, any>;

/** A child process whose stderr (pino JSON) and stdout lines can be awaited: no sleeps. */
export class Proc {
  readonly lines: LogLine[] = [];
  readonly stdout: string[] = [];
  private waiters: Array<{ pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }> = [];
  readonly exited: Promise<number | null>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const onLine = (raw: string, stream: 'stderr' | 'stdout') => {
      let line: LogLine;
      try {
        line = JSON.parse(raw);
        if (!line || typeof line !== 'object' || Array.isArray(line)) line = { msg: raw, raw: true };
      } catch {
        line = { msg: raw, raw: true };
      }
      line.stream = stream;
      if (stream === 'stdout') this.stdout.push(raw);
      this.lines.push(line);
      if (process.env.TRANSMESH_TEST_VERBOSE) process.stderr.write(`[${name}] ${raw}\n`);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(line)) return true;
        w.resolve(line);
        return false;
      });
    };
    createInterface({ input: child.stderr! }).on('line', (l) => onLine(l, 'stderr'));
    createInterface({ input: child.stdout! }).on('line', (l) => onLine(l, 'stdout'));
    this.exited = new Promise((r) => child.once('exit', (code) => r(code)));
  }

  waitFor(pred: (l: LogLine) => boolean, what: string, timeoutMs = 20000): Promise<LogLine> {
    const seen = this.lines.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: timed out waiting for ${what}; last lines:\n${this.lines.slice(-10).map((l) => JSON.stringify(l)).join('\n')}`)), timeoutMs);
      const w = { pred, resolve: (l: LogLine) => (clearTimeout(timer), resolve(l)) };
      this.waiters.push(w);
      void this.exited.then((code) => {
        if (this.waiters.includes(w)) {
          clearTimeout(timer);
          reject(new Error(`${this.name} exited (${code}) while waiting for ${what}; last lines:\n${this.lines.slice(-10).map((l) => JSON.stringify(l)).join('\n')}`));
        }
      });
    });
  }

  waitForMsg(msg: string, timeoutMs?: number): Promise<LogLine> {
    return this.waitFor((l) => l.msg === msg, `"${msg}"`, timeoutMs);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

export function spawnProc(name: string, cmd: string, args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Proc(name, child);
}

export function spawnCli(name: string, args: string[], env: Record<string, string> = {}): Proc {
  return spawnProc(name, process.execPath, [cliPath, ...args], env);
}

/** Runs a CLI command to completion. */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = spawnCli(`transmesh ${args[0]}`, args, env);
  const code = await p.exited;
  // readline may still hold the last lines for a tick after exit.
  await new Promise((r) => setImmediate(r));
  return { code, stdout: p.stdout.join('\n'), stderr: p.lines.filter((l) => l.stream === 'stderr').map((l) => (l.raw ? l.msg : JSON.stringify(l))).join('\n') };
}

/** A real nats-server with JetStream on a random port and a fresh store; `restart` keeps both. */
export async function startNats(): Promise<{ url: string; proc: Proc; stop: () => Promise<void>; kill: () => Promise<void>; restart: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'transmesh-nats-'));
  const launch = async (port: string) => {
    const proc = spawnProc('nats-server', natsServerBinary(), ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', port]);
    const line = await proc.waitFor((l) => /Listening for client connections on/.test(l.msg), 'nats-server to listen');
    await proc.waitFor((l) => /Server is ready/.test(l.msg), 'nats-server ready');
    return { proc, port: /:(\d+)\s*$/.exec(line.msg)![1] };
  };
  let current = await launch('-1');
  const port = current.port;
  const handle = {
    url: `nats://127.0.0.1:${port}`,
    proc: current.proc,
    kill: async () => {
      await current.proc.stop();
    },
    restart: async () => {
      current = await launch(port);
      handle.proc = current.proc;
    },
    stop: async () => {
      await current.proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}

/** A port nothing listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}
