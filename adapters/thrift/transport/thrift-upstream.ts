import { MeshError } from '../../../src/errors/mesh-error';
import type { CancelToken } from '../../../src/timing/cancel-token';
import { MessageType } from '../codec/wire-types';
import { encodeEnvelope } from './envelope';
import { ThriftConnection, ThriftReply } from './thrift-connection';
import { ParsedThriftUrl, parseThriftUrl } from './thrift-url';

export interface ThriftUpstreamOptions {
  /** Connections kept open to the server at most; calls beyond wait for one. Default 16. */
  readonly maxConnections?: number;
  /** Largest reply accepted; default 4 MiB. */
  readonly maxMessageBytes?: number;
}

interface Waiter {
  grant(c: ThriftConnection): void;
  reject(e: MeshError): void;
}

/**
 * The provider side's client for one local Thrift server (one `--provide` URL). It adds the
 * message envelope around argument bytes the consumer already encoded, and hands back the
 * reply's struct bytes undecoded: the consumer sidecar decodes them with its IDL.
 */
export class ThriftUpstream {
  readonly url: ParsedThriftUrl;
  private readonly max: number;
  private readonly maxMessageBytes: number | undefined;
  private readonly idle: ThriftConnection[] = [];
  private readonly all = new Set<ThriftConnection>();
  private readonly waiters: Waiter[] = [];
  private seqid = 0;
  private closed = false;

  constructor(url: string | ParsedThriftUrl, opts: ThriftUpstreamOptions = {}) {
    this.url = typeof url === 'string' ? parseThriftUrl(url) : url;
    this.max = Math.max(1, opts.maxConnections ?? 16);
    this.maxMessageBytes = opts.maxMessageBytes;
  }

  /**
   * Calls `method` with its encoded `<method>_args` struct. `deadlineMs` is an absolute time
   * (ms since epoch, as Date.now()); undefined waits as long as the server takes.
   * Rejects with MeshError UNAVAILABLE (connect refused, connection lost), DEADLINE_EXCEEDED, or
   * CANCELLED when `cancel` fires first.
   */
  call(method: string, oneway: boolean, argsStruct: Buffer, deadlineMs: number | undefined, cancel?: CancelToken): Promise<ThriftReply> {
    if (this.closed) return Promise.reject(new MeshError('UNAVAILABLE', `thrift upstream ${this.url.address} is closed`));
    if (deadlineMs !== undefined && Date.now() >= deadlineMs) return Promise.reject(this.deadlineError(method));
    if (cancel?.cancelled) return Promise.reject(cancelledError());
    this.seqid = (this.seqid + 1) & 0x7fffffff;
    const seqid = this.seqid;
    const envelope = encodeEnvelope(this.url.protocol, method, oneway ? MessageType.ONEWAY : MessageType.CALL, seqid);
    return new Promise<ThriftReply>((resolve, reject) => {
      let conn: ThriftConnection | undefined;
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (err: MeshError | undefined, reply?: ThriftReply): void => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        cancel?.set(undefined);
        if (err) reject(err);
        else resolve(reply!);
      };
      const waiter: Waiter = {
        grant: (c) => {
          if (settled) {
            this.release(c);
            return;
          }
          conn = c;
          c.send(method, seqid, envelope, argsStruct, oneway).then(
            (reply) => {
              this.release(c);
              finish(undefined, reply);
            },
            (err: MeshError) => finish(err),
          );
        },
        reject: (e) => finish(e),
      };
      // Replies come in order on a connection: one still owed would answer the next call, so a
      // call given up (deadline or cancel) closes its connection, which frees the slot at once.
      const abandon = (err: MeshError): void => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        conn?.destroy();
        finish(err);
      };
      if (deadlineMs !== undefined) timer = setTimeout(() => abandon(this.deadlineError(method)), Math.max(0, deadlineMs - Date.now()));
      cancel?.set(() => abandon(cancelledError()));
      this.acquire(waiter);
    });
  }

  /** Closes every connection; calls in flight fail UNAVAILABLE. */
  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(new MeshError('UNAVAILABLE', `thrift upstream ${this.url.address} is closed`));
    for (const c of [...this.all]) c.destroy();
    this.idle.length = 0;
  }

  /** Open connections, for tests and metrics. */
  get connectionCount(): number {
    return this.all.size;
  }

  private deadlineError(method: string): MeshError {
    return new MeshError('DEADLINE_EXCEEDED', `deadline exceeded calling ${method} on ${this.url.address}`);
  }

  private acquire(w: Waiter): void {
    const c = this.idle.pop();
    if (c) w.grant(c);
    else if (this.all.size < this.max) w.grant(this.open());
    else this.waiters.push(w);
  }

  private open(): ThriftConnection {
    const c = new ThriftConnection(this.url, (dead) => this.forget(dead), this.maxMessageBytes);
    this.all.add(c);
    return c;
  }

  private release(c: ThriftConnection): void {
    if (c.dead || this.closed) return;
    const w = this.waiters.shift();
    if (w) w.grant(c);
    else this.idle.push(c);
  }

  private forget(c: ThriftConnection): void {
    this.all.delete(c);
    const i = this.idle.indexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
    // A slot opened up: a waiting call gets a fresh connection.
    if (!this.closed && this.waiters.length > 0 && this.all.size < this.max) this.waiters.shift()!.grant(this.open());
  }
}

function cancelledError(): MeshError {
  return new MeshError('CANCELLED', 'the caller went away');
}
