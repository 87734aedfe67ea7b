import net from 'node:net';
import { MeshError } from '../../src/errors/mesh-error';
import type { CancelToken } from '../../src/timing/cancel-token';
import { beginRequest, encodeParams, endRequestOf, FcgiRecordDecoder, FcgiType, requestComplete, streamRecords } from './fastcgi-records';

export type FcgiTarget = { readonly host: string; readonly port: number } | { readonly path: string };

export interface FcgiExchange {
  readonly params: Readonly<Record<string, string>>;
  readonly stdin: Buffer;
  readonly deadline: number;
  readonly cancel: CancelToken;
}

const requestId = 1;
/** How long a request on a new connection waits for its first byte before it counts as starving. */
const defaultStarvingAfterMs = 200;
const stderrKept = 2048;

/**
 * Requests to one FastCGI server (PHP-FPM), one at a time per connection as PHP-FPM serves them,
 * on connections kept open between requests (keepConn) and pooled, at most `maxConnections` at
 * once; further requests wait for a connection until their deadline. A connection the server
 * closes while idle leaves the pool when its FIN arrives.
 *
 * PHP-FPM gives a worker to a connection for as long as it stays open, and has no more workers
 * than its pm.max_children (which FastCGI's GET_VALUES does not tell: PHP-FPM answers only
 * FCGI_MPXS_CONNS). A new connection beyond them waits in the listen backlog until a worker is
 * free, and a worker held by one of our idle connections never is: a request sent there would
 * wait out its deadline while the pool sat idle. So a request on a new connection that has had no
 * byte back after `starvingAfterMs` counts as starving: the idle connections are closed then, and
 * while any request starves a connection that finishes is closed instead of kept, each freeing
 * its worker for the oldest connection waiting in the backlog. Under overload the pool shrinks
 * to what PHP-FPM serves; a request answered within the time (the usual case, and any request on
 * a kept connection) changes nothing, so a steady load keeps its connections open.
 */
export class FcgiClient {
  private readonly idle: net.Socket[] = [];
  private open = 0;
  private readonly waiting: Array<() => void> = [];
  private closed = false;
  /** Requests on new connections with no byte back after `starvingAfterMs`: perhaps never given a worker. */
  private starving = 0;
  private opened = 0;

  constructor(
    private readonly target: FcgiTarget,
    private readonly opts: { readonly maxConnections: number; readonly idleTimeoutMs: number; readonly maxBytes: number; readonly starvingAfterMs?: number },
  ) {}

  /** Connections opened so far (a steady load opens its pool once). */
  get connectionsOpened(): number {
    return this.opened;
  }

  get where(): string {
    return 'path' in this.target ? `unix:${this.target.path}` : `${this.target.host}:${this.target.port}`;
  }

  /** The script's STDOUT, whole, once PHP-FPM ends the request. */
  async request(x: FcgiExchange): Promise<Buffer> {
    while (!this.idle.length && this.open >= this.opts.maxConnections) {
      if (!(await this.turn(x.deadline))) throw new MeshError('DEADLINE_EXCEEDED', 'deadline exceeded waiting for a FastCGI connection');
    }
    const reused = this.idle.pop();
    if (reused) reused.setTimeout(0);
    else this.open++;
    const socket = reused ?? this.connect();
    return this.exchange(socket, x, !reused);
  }

  /** Waits until a connection may be free; false when the deadline came first. */
  private turn(deadline: number): Promise<boolean> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(wake);
        if (i >= 0) this.waiting.splice(i, 1);
        resolve(false);
      }, Math.max(0, deadline - Date.now()));
      this.waiting.push(wake);
    });
  }

  close(): void {
    this.closed = true;
    for (const s of this.idle.splice(0)) s.destroy();
  }

  private connect(): net.Socket {
    this.opened++;
    const s = 'path' in this.target ? net.connect(this.target.path) : net.connect(this.target.port, this.target.host);
    s.setNoDelay(true);
    s.once('close', () => {
      this.open--;
      const i = this.idle.indexOf(s);
      if (i >= 0) this.idle.splice(i, 1);
      this.waiting.shift()?.();
    });
    // An idle connection the server closes goes; one in use reports through its exchange.
    s.on('error', () => {});
    return s;
  }

  private exchange(socket: net.Socket, x: FcgiExchange, fresh: boolean): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const remaining = x.deadline - Date.now();
      // A new connection that stays silent may be in PHP-FPM's backlog, behind workers our idle connections hold.
      let starved = false;
      let watch: NodeJS.Timeout | undefined;
      if (fresh) {
        watch = setInterval(() => {
          if (!starved) {
            starved = true;
            this.starving++;
          }
          for (const s of this.idle.splice(0)) s.destroy();
        }, this.opts.starvingAfterMs ?? defaultStarvingAfterMs);
      }
      const answered = () => {
        if (!fresh) return;
        fresh = false;
        clearInterval(watch);
        if (starved) this.starving--;
      };
      const decoder = new FcgiRecordDecoder();
      const stdout: Buffer[] = [];
      let size = 0;
      let stderr = '';
      let done = false;
      const finish = (err: MeshError | undefined, keep: boolean) => {
        if (done) return;
        done = true;
        answered();
        clearTimeout(timer);
        x.cancel.set(undefined);
        socket.off('data', onData);
        socket.off('error', onError);
        socket.off('end', onEnd);
        // Kept only while no request waits for a worker (see the class comment).
        if (keep && !this.closed && !socket.destroyed && this.starving === 0) this.release(socket);
        else socket.destroy();
        if (err) reject(err);
        else resolve(Buffer.concat(stdout));
      };
      const onData = (chunk: Buffer) => {
        answered();
        try {
          decoder.push(chunk, (r) => {
            if (r.requestId !== requestId || done) return;
            if (r.type === FcgiType.stdout) {
              size += r.content.length;
              if (size > this.opts.maxBytes) return finish(new MeshError('RESOURCE_EXHAUSTED', `the script's answer is over the ${this.opts.maxBytes}-byte limit`), false);
              stdout.push(Buffer.from(r.content));
            } else if (r.type === FcgiType.stderr) {
              if (stderr.length < stderrKept) stderr += r.content.toString('utf8').slice(0, stderrKept - stderr.length);
            } else if (r.type === FcgiType.endRequest) {
              const { protocolStatus } = endRequestOf(r.content);
              // OVERLOADED and the like: the script never ran, so another provider may take the call.
              if (protocolStatus !== requestComplete) return finish(new MeshError('UNAVAILABLE', `FastCGI server ${this.where} refused the request (protocol status ${protocolStatus})`, { retryable: true }), false);
              if (size === 0 && stderr) return finish(new MeshError('UNKNOWN', `the script wrote nothing but errors: ${stderr.trim()}`), true);
              finish(undefined, true);
            }
          });
        } catch (err) {
          finish(MeshError.from(err), false);
        }
      };
      const onError = (err: NodeJS.ErrnoException) => {
        // Refused: the script provably never ran, so another provider may take the call.
        finish(new MeshError('UNAVAILABLE', `FastCGI server ${this.where}: ${err.message}`, { retryable: err.code === 'ECONNREFUSED' || err.code === 'ENOENT' }), false);
      };
      const onEnd = () => finish(new MeshError('UNAVAILABLE', `FastCGI server ${this.where} closed the connection before the answer was whole`), false);
      socket.on('data', onData);
      socket.on('error', onError);
      socket.on('end', onEnd);
      const timer = setTimeout(() => finish(new MeshError('DEADLINE_EXCEEDED', `deadline exceeded after ${Math.round(remaining)} ms`), false), Math.max(0, remaining));
      if (!x.cancel.set(() => finish(new MeshError('CANCELLED', 'the caller went away'), false))) return finish(new MeshError('CANCELLED', 'the caller went away'), false);
      socket.write(Buffer.concat([beginRequest(requestId, true), ...streamRecords(FcgiType.params, requestId, encodeParams(x.params)), ...streamRecords(FcgiType.stdin, requestId, x.stdin)]));
    });
  }

  private release(socket: net.Socket): void {
    socket.setTimeout(this.opts.idleTimeoutMs, () => socket.destroy());
    const wake = this.waiting.shift();
    this.idle.push(socket);
    wake?.();
  }
}
