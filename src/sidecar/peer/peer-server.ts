import http2, { Http2Server, IncomingHttpHeaders, ServerHttp2Session, ServerHttp2Stream } from 'node:http2';
import type { Server, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Code } from '../../errors/codes';
import { MeshError } from '../../errors/mesh-error';
import type { Logger } from '../../log/logger';
import type { InboundObserver } from '../inbound/inbound-observer';
import { FrameCollector } from '../../transport/grpc/grpc-frame';
import { closeWhenIdle } from '../../transport/idle-close';
import { muxMagic } from './mux-frame';
import { SnapshotCell } from '../../snapshot/snapshot-cell';
import { emptyIdl, IdlSnapshot } from '../../snapshot/snapshots';
import { defaultLimits, Limits } from '../../config/sidecar-config';
import { errorReply, errorReplyFor, type InboundReply, type Provider } from '../../protocol/provider';
import { writeReply } from './peer-reply';
import { inboundGuard, type InboundGuard } from '../inbound/inbound-guard';
import { PeerCalls, ReplySink } from '../inbound/peer-calls';
import { MuxSession } from './mux-session';
import { endStream, runH2PeerStream } from './h2-peer-stream';

const { NGHTTP2_NO_ERROR, NGHTTP2_REFUSED_STREAM } = http2.constants;
/** The first byte of every HTTP/2 connection (`PRI * HTTP/2.0`, RFC 9113 3.4); the mux magic starts otherwise. */
const h2Preface = 0x50;

/**
 * The peer-facing listener: other sidecars call the services this one provides, as unary calls
 * in the mux framing or as gRPC over HTTP/2, on the same port (chosen by ALPN under TLS, by the
 * first bytes on plain TCP), so sidecars of both kinds interoperate during a rolling upgrade.
 * Each call goes to the provider of its service through the same PeerCalls.
 */
export class PeerServer {
  readonly server: Server;
  /** Never listens: HTTP/2 connections are handed to it once told apart. */
  private readonly h2: Http2Server;
  private readonly calls: PeerCalls;
  private readonly sessions = new Set<ServerHttp2Session | MuxSession>();
  /** Every accepted TCP connection, whatever it turned out to speak, until it closes. */
  private readonly sockets = new Set<Socket>();
  private closing = false;

  constructor(
    providers: ReadonlyMap<string, Provider>,
    observer: InboundObserver,
    defaultTimeoutMs: number,
    log: Logger,
    /** The IDL snapshot: which methods exist (metric labels) and which Thrift methods are oneway. */
    idl: SnapshotCell<IdlSnapshot> = new SnapshotCell(emptyIdl),
    private readonly limits: Limits = defaultLimits,
    /** mTLS and the caller's identity on a mesh with a CA, and the access policy. */
    guard: InboundGuard = inboundGuard(undefined, undefined),
  ) {
    this.calls = new PeerCalls(providers, observer, defaultTimeoutMs, log, idl, limits, guard);
    this.h2 = http2.createServer({ settings: { maxConcurrentStreams: limits.maxConcurrentStreams } });
    this.h2.on('stream', (stream, headers) => this.onStream(stream, headers));
    this.h2.on('session', (session) => {
      this.track(session);
      session.once('close', () => this.sessions.delete(session));
      session.on('error', () => undefined);
      // An idle session (no stream) is closed; its peer reconnects when it needs to.
      closeWhenIdle(session, limits.idleTimeoutMs);
      if (this.closing) session.close();
    });
    this.h2.on('sessionError', (err) => log.debug({ err }, 'peer session error'));
    this.server = guard.createListener((socket) => this.onSocket(socket));
    // Every TCP connection, TLS handshakes still under way included.
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** Stops accepting: GOAWAY to every peer, so streams in flight finish and new ones go elsewhere. */
  close(): Promise<void> {
    this.closing = true;
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    for (const s of this.sessions) s.close();
    return closed;
  }

  /** Ends every connection at once, calls in flight too (a drain that ran out of time). */
  closeConnections(): void {
    for (const s of this.sockets) s.destroy();
  }

  /** Resolves when no call is in flight. */
  idle(): Promise<void> {
    return this.calls.idle();
  }

  private track(session: ServerHttp2Session | MuxSession): void {
    this.sessions.add(session);
  }

  /** Tells the protocols apart: ALPN under TLS, else the first bytes (the mux magic or the HTTP/2 preface). */
  private onSocket(socket: Socket): void {
    socket.on('error', () => undefined);
    if ((socket as TLSSocket).alpnProtocol === 'h2') return void this.h2.emit('connection', socket);
    // A connection that never says which it speaks is not kept for ever.
    socket.setTimeout(this.limits.idleTimeoutMs, () => socket.destroy());
    let seen: Buffer = Buffer.alloc(0);
    const sniff = (c: Buffer) => {
      seen = seen.length ? Buffer.concat([seen, c]) : c;
      socket.off('data', sniff);
      socket.setTimeout(0);
      if (seen[0] === h2Preface) {
        // HTTP/2 (its session checks the rest of the preface): the bytes read go back to the socket, where the session reads them first.
        socket.pause();
        socket.unshift(seen);
        return void this.h2.emit('connection', socket);
      }
      const n = Math.min(seen.length, muxMagic.length);
      if (!seen.subarray(0, n).equals(muxMagic.subarray(0, n))) return void socket.destroy();
      if (seen.length >= muxMagic.length) return this.startMux(socket, seen.subarray(muxMagic.length));
      socket.on('data', sniff);
      socket.setTimeout(this.limits.idleTimeoutMs, () => socket.destroy());
    };
    socket.on('data', sniff);
  }

  private startMux(socket: Socket, initial: Buffer): void {
    socket.setNoDelay(true);
    socket.write(muxMagic);
    const session: MuxSession = new MuxSession(socket, this.calls, initial, () => this.sessions.delete(session));
    this.track(session);
    if (this.closing) session.close();
  }

  private onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    // First, before anything can fail or return: a reset stream must not throw unhandled.
    stream.on('error', () => undefined);
    const call = this.calls.open(stream, h2Sink, headers, stream.session?.socket);
    if (!call) return;
    stream.once('close', () => call.close());
    const model = call.model;
    if (model && (model.clientStreaming || model.serverStreaming)) return runH2PeerStream(stream, call, this.limits.maxMessageBytes);
    const body = new FrameCollector(this.limits.maxMessageBytes);
    const answer = (reply: InboundReply, reset: boolean) => {
      clearTimeout(bodyTimer);
      call.answer(reply, reset);
    };
    const bodyTimer = setTimeout(
      () => answer(errorReply(Code.DEADLINE_EXCEEDED, `the request body did not arrive within ${this.limits.bodyTimeoutMs} ms`), true),
      this.limits.bodyTimeoutMs,
    );
    bodyTimer.unref();
    stream.on('data', (c: Buffer) => {
      if (call.isAnswered) return;
      const refused = body.push(c);
      if (refused) answer(errorReplyFor(refused), true);
    });
    stream.once('end', () => {
      if (call.isAnswered) return;
      clearTimeout(bodyTimer);
      let bytes: Buffer;
      try {
        bytes = body.body();
      } catch (err) {
        return answer(errorReplyFor(MeshError.from(err)), false);
      }
      call.run(bytes);
    });
  }
}

/** HTTP/2's answers: HEADERS (+ DATA + trailers) on the stream, or RST_STREAM. */
const h2Sink: ReplySink<ServerHttp2Stream> = {
  reply(stream, reply, reset) {
    // A stream that has started (its headers went) ends with trailers.
    if (stream.headersSent) return endStream(stream, reply);
    writeReply(stream, reply);
    // Answered before the body ended: the rest is not wanted (RST_STREAM NO_ERROR, as RFC 9113 8.1 says).
    if (reset) stream.close(NGHTTP2_NO_ERROR);
  },
  refuse(stream) {
    stream.close(NGHTTP2_REFUSED_STREAM);
  },
};
