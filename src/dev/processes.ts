import { natsServerBinary } from './nats-binary';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/*
 * Child processes whose output lines can be awaited, no sleeps: `transmesh dev` starts its tree
 * with them, and the tests and the bench start theirs (they may import src/, not the other way).
 */

export type LogLine = Record<string, any>;

export interface ProcOptions {
  /** Variables added to this process's environment. */
  readonly env?: Record<string, string | undefined>;
  readonly cwd?: string;
  /** 'pipe' lets a child that exits when its stdin closes die with its parent. */
  readonly stdin?: 'ignore' | 'pipe';
  /** Keep only about this many recent lines (a long bench must not grow memory); all when unset. */
  readonly keepLines?: number;
  /** Called with every raw output line, for echoing. */
  readonly onLine?: (raw: string) => void;
}

/** A child process whose stderr (pino JSON) and stdout lines can be awaited. */
export class Proc {
  /** Output lines parsed as JSON objects; other lines as `{ msg, raw: true }`. */
  readonly lines: LogLine[] = [];
  /** The same lines as text. */
  readonly texts: string[] = [];
  readonly stdout: string[] = [];
  /** Called with every parsed line, for counting what a short `keepLines` tail would lose. */
  readonly listeners: Array<(l: LogLine) => void> = [];
  readonly exited: Promise<number | null>;
  private waiters: Array<{ pred: (l: LogLine, text: string) => boolean; resolve: (l: LogLine) => void }> = [];

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    private readonly opts: Pick<ProcOptions, 'keepLines' | 'onLine'> = {},
  ) {
    createInterface({ input: child.stderr! }).on('line', (l) => this.onLine(l, 'stderr'));
    createInterface({ input: child.stdout! }).on('line', (l) => this.onLine(l, 'stdout'));
    // A child that cannot be spawned (no such command) reports it as an 'error', maybe with no 'exit'.
    this.exited = new Promise((r) => {
      child.once('exit', (code) => r(code));
      child.once('error', (err) => {
        this.onLine(`${name}: ${err.message}`, 'stderr');
        r(null);
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  private onLine(raw: string, stream: 'stderr' | 'stdout'): void {
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
    this.texts.push(raw);
    const keep = this.opts.keepLines;
    if (keep !== undefined && this.lines.length > keep) {
      this.lines.splice(0, this.lines.length - keep / 2);
      this.texts.splice(0, this.texts.length - keep / 2);
      this.stdout.splice(0, Math.max(0, this.stdout.length - keep / 2));
    }
    this.opts.onLine?.(raw);
    for (const f of this.listeners) f(line);
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred(line, raw)) return true;
      w.resolve(line);
      return false;
    });
  }

  private tail(): string {
    return this.lines.slice(-10).map((l) => JSON.stringify(l)).join('\n');
  }

  /** The first line, seen or to come, that `pred` accepts; rejects when the child exits first. */
  waitFor(pred: (l: LogLine, text: string) => boolean, what: string, timeoutMs = 20000): Promise<LogLine> {
    const seen = this.lines.findIndex((l, i) => pred(l, this.texts[i]));
    if (seen >= 0) return Promise.resolve(this.lines[seen]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: timed out waiting for ${what}; last lines:\n${this.tail()}`)), timeoutMs);
      const w = { pred, resolve: (l: LogLine) => (clearTimeout(timer), resolve(l)) };
      this.waiters.push(w);
      void this.exited.then((code) => {
        if (!this.waiters.includes(w)) return;
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${code}) while waiting for ${what}; last lines:\n${this.tail()}`));
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

export function spawnProc(name: string, cmd: string, args: string[], opts: ProcOptions = {}): Proc {
  const child = spawn(cmd, args, { env: { ...process.env, ...opts.env }, cwd: opts.cwd, stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'] });
  return new Proc(name, child, opts);
}

/** Runs a command to its end, for one-shot steps (an IDL push, the PHP client, a CLI call in a test). */
export function runToEnd(cmd: string, args: string[], opts: { env?: Record<string, string | undefined>; cwd?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...opts.env }, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c) => (stdout += c));
    child.stderr!.on('data', (c) => (stderr += c));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

export interface NatsProcess {
  readonly url: string;
  /** `http://127.0.0.1:<port>` of its monitoring endpoints (`/connz`, …), when started with `monitor`. */
  readonly monitorUrl: string | undefined;
  proc: Proc;
  /** Stops the server and removes its store. */
  stop(): Promise<void>;
  /** Stops the server and keeps its store and port, for `restart`. */
  kill(): Promise<void>;
  restart(): Promise<void>;
}

/** A real nats-server with JetStream and a fresh store, on `port` or one the OS picks. */
export async function startNats(opts: { port?: number; monitor?: boolean; onLine?: (raw: string) => void } = {}): Promise<NatsProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'transmesh-nats-'));
  const launch = async (port: string, monitorPort = '-1') => {
    const proc = spawnProc('nats-server', natsServerBinary(), ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', port, ...(opts.monitor ? ['-m', monitorPort] : [])], { onLine: opts.onLine });
    const monitor = opts.monitor ? proc.waitFor((l) => /Starting http monitor on/.test(l.msg), 'nats-server monitoring') : undefined;
    const line = await proc.waitFor((l) => /Listening for client connections on/.test(l.msg), 'nats-server to listen');
    await proc.waitFor((l) => /Server is ready/.test(l.msg), 'nats-server ready');
    const monitorLine = await monitor;
    return { proc, port: /:(\d+)\s*$/.exec(line.msg)![1], monitorPort: monitorLine && /:(\d+)\s*$/.exec(monitorLine.msg)![1] };
  };
  let current = await launch(String(opts.port ?? -1));
  const { port, monitorPort } = current;
  const handle: NatsProcess = {
    url: `nats://127.0.0.1:${port}`,
    monitorUrl: monitorPort && `http://127.0.0.1:${monitorPort}`,
    proc: current.proc,
    kill: async () => {
      await current.proc.stop();
    },
    restart: async () => {
      current = await launch(port, monitorPort);
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
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The children of `transmesh dev`: each started in order and awaited on a line it prints
 * when ready, all stopped in reverse order on shutdown.
 */
export class ProcessTree {
  private readonly children: Proc[] = [];

  constructor(private readonly onLine: (name: string, line: string) => void = () => undefined) {
    // However this process ends, its children end with it.
    process.once('exit', () => {
      for (const { child } of this.children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    });
  }

  /** Spawns a child and resolves with the first output line that `ready` accepts. */
  async start(name: string, cmd: string, args: string[], ready: (line: string) => boolean, opts: { env?: Record<string, string | undefined>; cwd?: string; timeoutMs?: number } = {}): Promise<string> {
    const proc = spawnProc(name, cmd, args, { ...opts, keepLines: 30, onLine: (l) => this.onLine(name, l) });
    this.adopt(proc);
    let text = '';
    await proc.waitFor((_l, t) => ready((text = t)), 'its ready line', opts.timeoutMs ?? 60000);
    return text;
  }

  /** Stops `proc` with the tree. */
  adopt(proc: Proc): void {
    this.children.push(proc);
  }

  /** A nats-server on `port`, stopped with the tree. */
  async startNats(port: number): Promise<void> {
    const nats = await startNats({ port, onLine: (l) => this.onLine('nats-server', l) });
    this.adopt(nats.proc);
  }

  async stopAll(): Promise<void> {
    for (const proc of this.children.reverse()) {
      const timer = setTimeout(() => proc.child.kill('SIGKILL'), 15000);
      await proc.stop();
      clearTimeout(timer);
    }
  }
}
