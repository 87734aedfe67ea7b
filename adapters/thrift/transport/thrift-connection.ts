import * as net from 'node:net';
import { MeshError } from '../../../src/errors/mesh-error';
import { decodeEnvelope, messageEnd } from './envelope';
import { MessageType } from '../codec/wire-types';
import type { ParsedThriftUrl } from './thrift-url';

export interface ThriftReply {
  readonly kind: 'reply' | 'exception';
  /** The reply's struct: `<method>_result`, or a TApplicationException for 'exception'. */
  readonly body: Buffer;
}

interface Pending {
  readonly name: string;
  readonly seqid: number;
  resolve(r: ThriftReply): void;
  reject(e: MeshError): void;
}

/** Larger replies are refused rather than buffered without bound (TRANSMESH_MAX_MESSAGE_BYTES). */
const defaultMaxMessage = 4 * 1024 * 1024;

/**
 * One TCP connection to a Thrift server, one call at a time. Any failure destroys it: a
 * connection whose stream position is in doubt is never reused.
 */
export class ThriftConnection {
  dead = false;
  private connected = false;
  private readonly socket: net.Socket;
  private pending: Pending | undefined;
  /** The reply so far, in a buffer grown by doubling: each byte is copied O(1) times. */
  private buf = Buffer.alloc(0);
  private buffered = 0;
  /** Buffered size at the last try to find the end of a buffered-transport reply. */
  private triedAt = 0;
  private retry: NodeJS.Immediate | undefined;

  constructor(
    private readonly url: ParsedThriftUrl,
    private readonly onDead: (c: ThriftConnection) => void,
    private readonly maxMessage = defaultMaxMessage,
  ) {
    this.socket = net.connect({ host: url.host, port: url.port });
    this.socket.setNoDelay(true);
    this.socket.on('data', (d: Buffer) => this.onData(d));
    this.socket.on('connect', () => {
      this.connected = true;
    });
    this.socket.on('error', (err: NodeJS.ErrnoException) => {
      // Nothing reached the server before the connection was made: another attempt is safe.
      const retryable = !this.connected;
      this.fail(new MeshError('UNAVAILABLE', `${this.connected ? 'connection failed to' : 'cannot connect to'} ${url.address}: ${err.code ?? err.message}`, { retryable, cause: err }));
    });
    this.socket.on('end', () => this.fail(new MeshError('UNAVAILABLE', `${url.address} closed the connection`)));
    this.socket.on('close', () => this.fail(new MeshError('UNAVAILABLE', `${url.address} closed the connection`)));
  }

  /** Sends one message (envelope, then the args struct). Oneway calls resolve once written. */
  send(name: string, seqid: number, envelope: Buffer, args: Buffer, oneway: boolean): Promise<ThriftReply> {
    return new Promise<ThriftReply>((resolve, reject) => {
      if (this.dead) {
        reject(new MeshError('UNAVAILABLE', `connection to ${this.url.address} is closed`));
        return;
      }
      const s = this.socket;
      s.cork();
      if (this.url.transport === 'framed') {
        const len = Buffer.allocUnsafe(4);
        len.writeUInt32BE(envelope.length + args.length, 0);
        s.write(len);
      }
      s.write(envelope);
      if (oneway) {
        // Until the bytes are flushed a failure (refused connect) still rejects through `fail`.
        this.pending = { name, seqid, resolve: () => {}, reject };
        s.write(args, (err) => {
          if (err) {
            reject(new MeshError('UNAVAILABLE', `cannot write to ${this.url.address}: ${err.message}`));
            return;
          }
          this.pending = undefined;
          resolve({ kind: 'reply', body: Buffer.alloc(0) });
        });
        s.uncork();
        return;
      }
      this.pending = { name, seqid, resolve, reject };
      s.write(args);
      s.uncork();
    });
  }

  destroy(): void {
    this.fail(new MeshError('UNAVAILABLE', `connection to ${this.url.address} was discarded`));
  }

  private fail(err: MeshError): void {
    const p = this.pending;
    this.pending = undefined;
    if (this.retry) clearImmediate(this.retry);
    this.retry = undefined;
    if (!this.dead) {
      this.dead = true;
      this.socket.destroy();
      this.onDead(this);
    }
    p?.reject(err);
  }

  private onData(d: Buffer): void {
    if (!this.pending) {
      this.fail(new MeshError('INTERNAL', `${this.url.address} sent data nobody asked for`));
      return;
    }
    if (this.buffered + d.length > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.buffered + d.length, 4096));
      this.buf.copy(grown, 0, 0, this.buffered);
      this.buf = grown;
    }
    d.copy(this.buf, this.buffered);
    this.buffered += d.length;
    if (this.url.transport === 'framed') return this.tryReply();
    // Buffered transport has no length: the end is found by skipping the struct, which starts
    // over each time. Tried at once when the chunk is short (likely the last) or the buffer has
    // doubled since; otherwise once the chunks of this I/O turn are in, so the work stays linear.
    if (d.length < 65536 || this.buffered >= 2 * this.triedAt) return this.tryReply();
    this.retry ??= setImmediate(() => {
      this.retry = undefined;
      this.tryReply();
    });
  }

  private tryReply(): void {
    if (!this.pending || this.buffered === 0) return;
    const buf = this.buf.subarray(0, this.buffered);
    let start: number;
    let end: number;
    try {
      if (this.url.transport === 'framed') {
        if (buf.length < 4) return;
        const size = buf.readUInt32BE(0);
        if (size > this.maxMessage) throw new MeshError('RESOURCE_EXHAUSTED', `reply frame of ${size} bytes is over the ${this.maxMessage}-byte limit`);
        if (buf.length < 4 + size) return;
        start = 4;
        end = 4 + size;
      } else {
        if (buf.length > this.maxMessage) throw new MeshError('RESOURCE_EXHAUSTED', `reply is over the ${this.maxMessage}-byte limit`);
        start = 0;
        this.triedAt = buf.length;
        end = messageEnd(this.url.protocol, buf);
        if (end < 0) return;
      }
      this.onMessage(buf, start, end);
    } catch (err) {
      const e = err instanceof MeshError ? err : new MeshError('INTERNAL', `bad reply from ${this.url.address}: ${(err as Error).message}`);
      this.fail(e);
    }
  }

  private onMessage(buf: Buffer, start: number, end: number): void {
    const p = this.pending!;
    const { header, bodyStart } = decodeEnvelope(this.url.protocol, buf, start, end);
    if (header.seqid !== p.seqid) throw new MeshError('INTERNAL', `reply seqid ${header.seqid} does not match call ${p.seqid}`);
    let kind: ThriftReply['kind'];
    if (header.type === MessageType.REPLY) {
      if (header.name !== p.name) throw new MeshError('INTERNAL', `reply for "${header.name}" to a call of "${p.name}"`);
      kind = 'reply';
    } else if (header.type === MessageType.EXCEPTION) kind = 'exception';
    else throw new MeshError('INTERNAL', `unexpected message type ${header.type} in reply`);
    // A copy: the body outlives this connection's read buffer.
    const body = Buffer.from(buf.subarray(bodyStart, end));
    this.buffered = 0;
    this.triedAt = 0;
    this.pending = undefined;
    p.resolve({ kind, body });
    if (end !== buf.length) this.fail(new MeshError('INTERNAL', `${this.url.address} sent more than one reply`));
  }
}
