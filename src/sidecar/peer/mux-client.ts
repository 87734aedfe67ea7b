import net from 'node:net';
import tls, { type ConnectionOptions, type TLSSocket } from 'node:tls';
import type { OutgoingHttpHeaders } from 'node:http2';
import { MeshError } from '../../errors/mesh-error';
import { FrameCollector } from '../../transport/grpc/grpc-frame';
import type { CancelToken } from '../../timing/cancel-token';
import { CorkedWriter } from './corked-writer';
import { decodeMessage, encodeFrame, encodeMessageFrame, FrameDecoder, FrameType, maxFrameBytes, muxAlpn, muxMagic } from './mux-frame';
import { H2Client, type H2ClientOptions, type PeerResponse, type PeerTls, toResponse, unavailable, defaultH2ClientOptions } from '../../transport/grpc/h2-client';
import type { MessageQueue } from '../../transport/grpc/message-queue';
import type { StreamResponse } from '../../transport/grpc/stream-response';
import { ClientFlow, type FlowConnection } from './mux-client-stream';

const maxStreamId = 0xffff_ffff;

/** How a connection hands a call to HTTP/2 when its peer turns out to speak nothing else. */
type OverH2 = (headers: OutgoingHttpHeaders, message: Uint8Array, deadline: number, cancel: CancelToken | undefined) => Promise<PeerResponse>;
type StreamOverH2 = (headers: OutgoingHttpHeaders, requests: MessageQueue, deadline: number, cancel: CancelToken | undefined) => Promise<StreamResponse>;

interface Pending {
  readonly id: number;
  readonly deadline: number;
  readonly budgetMs: number;
  readonly cancel: CancelToken | undefined;
  readonly resolve: (r: PeerResponse | Promise<PeerResponse>) => void;
  readonly reject: (e: unknown) => void;
  readonly headers: OutgoingHttpHeaders;
  readonly message: Uint8Array;
  /** The REQUEST frame, until the connection is ready to take it. */
  frame: Buffer | undefined;
}

/**
 * Sidecar-to-sidecar calls in the mux framing (docs/architecture.md): the same `call()` contract
 * as H2Client, one connection per peer address (TLS when given `tls`, ALPN offering the mux
 * framing first), reconnected on demand. A peer that answers in HTTP/2 (an older sidecar) is
 * called over HTTP/2 from then on.
 */
export class MuxPeerClient {
  private readonly conns = new Map<string, MuxConnection>();
  /** Streaming calls get their own connection per peer: bulk messages never queue ahead of unary answers. */
  private readonly streamConns = new Map<string, MuxConnection>();
  private readonly h2Peers = new Set<string>();
  private readonly h2: H2Client;

  constructor(
    private readonly opts: H2ClientOptions = defaultH2ClientOptions,
    private readonly tls?: PeerTls,
  ) {
    this.h2 = new H2Client(opts, tls);
  }

  call(authority: string, headers: OutgoingHttpHeaders, message: Uint8Array, deadline: number, cancel?: CancelToken): Promise<PeerResponse> {
    if (this.h2Peers.has(authority)) return this.h2.call(authority, headers, message, deadline, cancel);
    return this.connection(authority).call(headers, message, deadline, cancel);
  }

  /** A streaming call (client, server or bidi), in the mux framing's stream frames or over HTTP/2 to an older peer. */
  stream(authority: string, headers: OutgoingHttpHeaders, requests: MessageQueue, deadline: number, cancel?: CancelToken): Promise<StreamResponse> {
    if (this.h2Peers.has(authority)) return this.h2.stream(authority, headers, requests, deadline, cancel);
    return this.connection(authority, this.streamConns).stream(headers, requests, deadline, cancel);
  }

  /** Closes connections to peers no longer in the endpoints snapshot (their calls finish first). */
  retain(addresses: ReadonlySet<string>): void {
    for (const conns of [this.conns, this.streamConns]) {
      for (const [authority, c] of conns) {
        if (addresses.has(authority)) continue;
        conns.delete(authority);
        c.close();
      }
    }
    for (const a of this.h2Peers) if (!addresses.has(a)) this.h2Peers.delete(a);
    this.h2.retain(addresses);
  }

  /** Open connections (both protocols), for tests and the debug endpoint. */
  get sessionCount(): number {
    return this.conns.size + this.streamConns.size + this.h2.sessionCount;
  }

  close(): void {
    for (const c of [...this.conns.values(), ...this.streamConns.values()]) c.close();
    this.conns.clear();
    this.streamConns.clear();
    this.h2.close();
  }

  private connection(authority: string, conns = this.conns): MuxConnection {
    const existing = conns.get(authority);
    if (existing?.usable) return existing;
    const overH2: OverH2 = (h, m, d, cancel) => this.h2.call(authority, h, m, d, cancel);
    const streamOverH2: StreamOverH2 = (h, r, d, cancel) => this.h2.stream(authority, h, r, d, cancel);
    const c = new MuxConnection(authority, this.opts, this.tls?.(authority), overH2, streamOverH2, (h2) => {
      if (conns.get(authority) === c) conns.delete(authority);
      if (h2) this.h2Peers.add(authority);
    });
    conns.set(authority, c);
    return c;
  }
}

/** One connection to a provider sidecar, carrying many calls at once. */
class MuxConnection implements FlowConnection {
  private readonly socket: net.Socket;
  private readonly out: CorkedWriter;
  private readonly decoder: FrameDecoder;
  private readonly streams = new Map<number, Pending>();
  /** Streaming calls (a connection of the client's `streamConns`). */
  private readonly flows = new Map<number, ClientFlow>();
  private nextId = 1;
  /** The server's magic came back: frames may be written. */
  private ready = false;
  private goneAway = false;
  private forgotten = false;
  /** One timer for every deadline on this connection, armed for the earliest. */
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private readonly ping: NodeJS.Timeout;
  private awaitingPong = false;
  private greeting: Buffer = Buffer.alloc(0);

  constructor(
    readonly authority: string,
    private readonly opts: H2ClientOptions,
    tlsOptions: ConnectionOptions | undefined,
    private readonly overH2: OverH2,
    private readonly streamOverH2: StreamOverH2,
    /** Told once when the connection may take no new call; `h2`: the peer speaks HTTP/2 only. */
    private readonly forget: (h2: boolean) => void,
  ) {
    const { host, port } = splitAuthority(authority);
    if (tlsOptions) {
      this.socket = tls.connect({ ...tlsOptions, host, port, ALPNProtocols: [muxAlpn, 'h2'] });
      this.socket.once('secureConnect', () => {
        if ((this.socket as TLSSocket).alpnProtocol === 'h2') return this.fallBack();
        this.socket.write(muxMagic);
      });
    } else {
      this.socket = net.connect({ host, port, noDelay: true });
      this.socket.write(muxMagic);
    }
    this.socket.setNoDelay(true);
    this.out = new CorkedWriter(this.socket);
    this.decoder = new FrameDecoder(maxFrameBytes(opts.maxMessageBytes), {
      frame: (type, id, payload) => this.onFrame(type, id, payload),
      oversize: (type, id, length) => this.onOversize(type, id, length),
    });
    this.socket.on('data', (c: Buffer) => this.receive(c));
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () => this.fail(new Error('connection closed')));
    // No traffic for idleTimeoutMs: closed (calls in flight keep it open until they end).
    this.socket.setTimeout(opts.idleTimeoutMs, () => {
      if (this.busy === 0) this.close();
    });
    // A peer that vanished without a FIN would hang every call on it until its deadline; an
    // unanswered PING finds it within one interval.
    this.ping = setInterval(() => {
      if (this.awaitingPong) return this.socket.destroy(new Error(this.ready ? `${authority} did not answer a keepalive PING` : `${authority} did not greet within a keepalive interval`));
      this.awaitingPong = true;
      // Not greeted yet: the next tick gives up on it, as on a PING that got no PONG.
      if (!this.ready) return;
      this.out.write(encodeFrame(FrameType.ping, 0, Buffer.alloc(8)));
    }, opts.pingIntervalMs);
    this.ping.unref();
    this.socket.unref();
  }

  /** May take new calls. */
  get usable(): boolean {
    return !this.goneAway && !this.socket.destroyed;
  }

  call(headers: OutgoingHttpHeaders, message: Uint8Array, deadline: number, cancel: CancelToken | undefined): Promise<PeerResponse> {
    return new Promise((resolve, reject) => {
      const budgetMs = deadline - Date.now();
      if (budgetMs <= 0) return reject(new MeshError('DEADLINE_EXCEEDED', 'deadline exceeded before the call was sent'));
      const id = this.nextId;
      this.nextId += 2;
      let frame: Buffer;
      try {
        frame = encodeMessageFrame(FrameType.request, id, headers, message, false);
      } catch (err) {
        return reject(MeshError.from(err));
      }
      const p: Pending = { id, deadline, budgetMs, cancel, resolve, reject, headers, message, frame };
      if (cancel && !cancel.set(() => this.abandon(p, new MeshError('CANCELLED', 'the caller went away')))) {
        return reject(new MeshError('CANCELLED', 'the caller went away'));
      }
      this.streams.set(id, p);
      if (this.ready) {
        this.out.write(frame);
        p.frame = undefined;
      }
      // The deadline timer (not the socket) keeps the process up while calls are out, as with HTTP/2.
      if (deadline < this.timerAt) this.arm(deadline);
      // Stream ids are u32 and never reused: a connection that used them all takes no more calls (days at full load).
      if (this.nextId > maxStreamId) this.close();
    });
  }

  get maxMessageBytes(): number {
    return this.opts.maxMessageBytes;
  }

  /** Calls in flight, unary and streaming. */
  private get busy(): number {
    return this.streams.size + this.flows.size;
  }

  stream(headers: OutgoingHttpHeaders, requests: MessageQueue, deadline: number, cancel: CancelToken | undefined): Promise<StreamResponse> {
    return new Promise((resolve, reject) => {
      const budgetMs = deadline - Date.now();
      if (budgetMs <= 0) return reject(new MeshError('DEADLINE_EXCEEDED', 'deadline exceeded before the call was sent'));
      const id = this.nextId;
      this.nextId += 2;
      const flow = new ClientFlow(id, deadline, budgetMs, this, headers, requests, cancel, resolve, reject);
      if (cancel && !cancel.set(() => flow.abandon(new MeshError('CANCELLED', 'the caller went away')))) {
        return reject(new MeshError('CANCELLED', 'the caller went away'));
      }
      this.flows.set(id, flow);
      if (this.ready) this.startFlow(flow);
      if (deadline < this.timerAt) this.arm(deadline);
      if (this.nextId > maxStreamId) this.close();
    });
  }

  send(frame: Buffer): void {
    this.out.write(frame);
  }

  forgetFlow(id: number): void {
    if (!this.flows.delete(id) || this.busy > 0) return;
    clearTimeout(this.timer);
    this.timerAt = Infinity;
    if (this.goneAway) this.socket.end();
  }

  private startFlow(flow: ClientFlow): void {
    try {
      flow.start();
    } catch (err) {
      flow.fail(MeshError.from(err));
    }
  }

  /** Stops taking calls; those in flight finish, then the connection closes. */
  close(): void {
    this.goneAway = true;
    this.detach(false);
    if (this.busy === 0) this.socket.end();
  }

  private receive(c: Buffer): void {
    if (!this.ready) {
      this.greeting = this.greeting.length ? Buffer.concat([this.greeting, c]) : c;
      const n = Math.min(this.greeting.length, muxMagic.length);
      // Anything else first (an HTTP/2 SETTINGS frame) is an older sidecar: nothing was sent to it as a call.
      if (!this.greeting.subarray(0, n).equals(muxMagic.subarray(0, n))) return this.fallBack();
      if (this.greeting.length < muxMagic.length) return;
      c = this.greeting.subarray(muxMagic.length);
      this.greeting = Buffer.alloc(0);
      this.ready = true;
      this.awaitingPong = false;
      for (const p of this.streams.values()) {
        if (p.frame) this.out.write(p.frame);
        p.frame = undefined;
      }
      for (const f of [...this.flows.values()]) this.startFlow(f);
      if (!c.length) return;
    }
    try {
      this.decoder.push(c);
    } catch (err) {
      this.socket.destroy(err as Error);
    }
  }

  private onFrame(type: number, id: number, payload: Buffer): void {
    switch (type) {
      case FrameType.response: {
        const p = this.streams.get(id);
        if (!p) return;
        const { headers, body } = decodeMessage(payload);
        const received = new FrameCollector(this.opts.maxMessageBytes);
        const refused = received.push(body);
        if (refused) return this.settle(p, new MeshError(refused.code, `${this.authority}: ${refused.message}`));
        try {
          this.settle(p, undefined, toResponse({ headers, trailers: undefined, body: received.body() }));
        } catch (err) {
          this.settle(p, MeshError.from(err));
        }
        return;
      }
      case FrameType.refused: {
        const p = this.streams.get(id);
        // The peer's cap: it never took the call.
        if (p) this.settle(p, unavailable(this.authority, new Error('the call was refused (the provider sidecar is at its limit)'), true));
        return;
      }
      case FrameType.goaway:
        return this.onGoaway(payload.length >= 4 ? payload.readUInt32BE(0) : 0);
      case FrameType.ping:
        return this.out.write(encodeFrame(FrameType.pong, id, payload));
      case FrameType.pong:
        this.awaitingPong = false;
        return;
      case FrameType.headers:
      case FrameType.data:
      case FrameType.end:
      case FrameType.window:
        // A stream cancelled or ended here may still have frames on the way: they are dropped.
        return this.flows.get(id)?.onFrame(type, payload);
      default:
        throw new MeshError('INTERNAL', `frame type ${type} is not for a client`);
    }
  }

  private onOversize(type: number, id: number, length: number): void {
    const flow = type === FrameType.data ? this.flows.get(id) : undefined;
    if (flow) return flow.abandon(new MeshError('RESOURCE_EXHAUSTED', `${this.authority}: a message frame of ${length} bytes is over the limit for ${this.opts.maxMessageBytes}-byte messages (TRANSMESH_MAX_MESSAGE_BYTES)`));
    const p = this.streams.get(id);
    if (type !== FrameType.response || !p) return void this.socket.destroy(new Error(`${this.authority} sent a ${length}-byte frame`));
    this.settle(p, new MeshError('RESOURCE_EXHAUSTED', `${this.authority}: response frame of ${length} bytes is over the limit for ${this.opts.maxMessageBytes}-byte messages (TRANSMESH_MAX_MESSAGE_BYTES)`));
  }

  /** GOAWAY: calls after `lastId` were never seen and go elsewhere; those up to it finish here. */
  private onGoaway(lastId: number): void {
    this.goneAway = true;
    this.detach(false);
    for (const p of this.streams.values()) {
      if (p.id > lastId) this.settle(p, unavailable(this.authority, new Error('the provider sidecar is draining'), true));
    }
    for (const f of [...this.flows.values()]) {
      if (f.id > lastId) f.fail(unavailable(this.authority, new Error('the provider sidecar is draining'), true));
    }
    if (this.busy === 0) this.socket.end();
  }

  /** The caller gave up (cancel or deadline): CANCEL tells the provider, which stops the call. */
  private abandon(p: Pending, err: MeshError): void {
    if (!p.frame && this.ready) this.out.write(encodeFrame(FrameType.cancel, p.id));
    this.settle(p, err);
  }

  private settle(p: Pending, err: unknown, response?: PeerResponse): void {
    if (this.streams.get(p.id) !== p) return;
    this.streams.delete(p.id);
    p.cancel?.set(undefined);
    if (err) p.reject(err);
    else p.resolve(response!);
    if (this.busy > 0) return;
    // Nothing out: no timer keeps the process up for a deadline nobody waits on.
    clearTimeout(this.timer);
    this.timerAt = Infinity;
    if (this.goneAway) this.socket.end();
  }

  private arm(at: number): void {
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.sweep(), Math.max(0, at - Date.now()));
  }

  /** Ends the calls past their deadline and arms the timer for the next one. */
  private sweep(): void {
    this.timerAt = Infinity;
    this.timer = undefined;
    const now = Date.now();
    let next = Infinity;
    for (const p of [...this.streams.values(), ...this.flows.values()]) {
      if (p.deadline > now) next = Math.min(next, p.deadline);
      else if (p instanceof ClientFlow) p.abandon(new MeshError('DEADLINE_EXCEEDED', `deadline exceeded after ${Math.round(p.budgetMs)} ms`));
      else this.abandon(p, new MeshError('DEADLINE_EXCEEDED', `deadline exceeded after ${Math.round(p.budgetMs)} ms`));
    }
    if (next < Infinity) this.arm(next);
  }

  /** The peer speaks HTTP/2 only: the calls not yet sent go over HTTP/2, and so do later ones. */
  private fallBack(): void {
    this.detach(true);
    const waiting = [...this.streams.values()];
    this.streams.clear();
    clearTimeout(this.timer);
    for (const p of waiting) {
      // Released before HTTP/2 takes the cancel token over.
      p.cancel?.set(undefined);
      p.resolve(this.overH2(p.headers, p.message, p.deadline, p.cancel));
    }
    const flows = [...this.flows.values()];
    this.flows.clear();
    for (const f of flows) {
      f.cancel?.set(undefined);
      f.handOver(this.streamOverH2(f.headers, f.requests, f.deadline, f.cancel));
    }
    this.socket.destroy();
  }

  private fail(err: Error): void {
    this.detach(false);
    clearInterval(this.ping);
    clearTimeout(this.timer);
    // Calls never written (the connection did not come up) provably never reached the peer.
    for (const p of this.streams.values()) this.settle(p, unavailable(this.authority, err, !!p.frame || !this.ready));
    for (const f of [...this.flows.values()]) f.fail(unavailable(this.authority, err, f.waiting));
  }

  private detach(h2: boolean): void {
    if (this.forgotten) return;
    this.forgotten = true;
    this.forget(h2);
  }
}

function splitAuthority(authority: string): { host: string; port: number } {
  const colon = authority.lastIndexOf(':');
  const host = authority.slice(0, colon);
  return { host: host.startsWith('[') ? host.slice(1, -1) : host, port: Number(authority.slice(colon + 1)) };
}
