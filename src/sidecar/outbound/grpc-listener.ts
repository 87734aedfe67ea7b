import { randomUUID } from 'node:crypto';
import http2, { Http2Server, IncomingHttpHeaders, ServerHttp2Session, ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import { MeshError } from '../../errors/mesh-error';
import type { Logger } from '../../log/logger';
import { frame, FrameCollector } from '../../transport/grpc/grpc-frame';
import { closeWhenIdle } from '../../transport/idle-close';
import { CancelToken } from '../../timing/cancel-token';
import { defaultLimits, Limits } from '../../config/sidecar-config';
import { InFlight } from '../in-flight';
import { TimeoutSweep } from '../timeout-sweep';
import type { NativeCallHandler, NativeReply, OutboundCall } from './call';
import { grpcErrorTrailers } from './grpc-status';
import { callerMetadata, timeoutMsOf } from './grpc-metadata';
import { MessageQueue } from '../../transport/grpc/message-queue';
import type { StreamCallHandler } from './stream-call';
import { runNativeStream } from './grpc-stream-call';

const { NGHTTP2_NO_ERROR } = http2.constants;

/** How a method the sidecar answers itself writes its answer: messages, then the end (OK). */
export interface LocalReplies {
  send(message: Buffer): void;
  end(): void;
  /** Runs when the stream closes, ended or abandoned by the caller. */
  onClose(fn: () => void): void;
}

/**
 * A method the sidecar answers itself (gRPC health), keyed by its path: the request message in,
 * any number of messages out (unary or server streaming); a MeshError thrown before the first
 * message is the call's status.
 */
export type LocalMethod = (message: Buffer, out: LocalReplies) => void;

/** Streaming methods: which paths are (from the IDL snapshot), and their request path (grpc-stream-call.ts). */
export interface NativeStreams {
  isStreaming(service: string, method: string): boolean;
  readonly handler: StreamCallHandler;
}

/** A bidirectional-streaming method the sidecar answers itself (server reflection): each request message as it arrives; the caller's half-close ends the call. */
export interface LocalStreamMethod {
  readonly streaming: true;
  open(out: LocalReplies): (message: Buffer) => void;
}

/**
 * Native gRPC callers on the app listener (HTTP/2 without TLS, prior knowledge; the app
 * listener hands it the connections that start with the HTTP/2 preface). A unary call to
 * `/<service>/<method>` runs the outbound stack with its message as it came (the pass-through
 * layer); errors are gRPC statuses (grpc-status.ts). The limits are those of the HTTP/1 side:
 * message size from the length prefix before the message is buffered, the body timeout, calls
 * in flight, and for the connection concurrent streams and an idle timeout.
 */
export class GrpcListener {
  private readonly server: Http2Server;
  private readonly inFlight = new InFlight();
  private readonly sessions = new Set<ServerHttp2Session>();
  private readonly bodyTimeouts: TimeoutSweep;
  /** The ends of the local streams open (health Watch), so a drain does not wait for them. */
  private readonly localOpen = new Set<(err?: unknown) => void>();
  private closing = false;

  constructor(
    private readonly handler: NativeCallHandler,
    private readonly caller: string,
    private readonly log: Logger,
    private readonly limits: Limits = defaultLimits,
    private readonly local: ReadonlyMap<string, LocalMethod | LocalStreamMethod> = new Map(),
    private readonly streams?: NativeStreams,
  ) {
    this.bodyTimeouts = new TimeoutSweep(limits.bodyTimeoutMs);
    this.server = http2.createServer({ settings: { maxConcurrentStreams: limits.maxConcurrentStreams } });
    this.server.on('session', (session) => {
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
      session.on('error', () => undefined);
      // No stream for the idle timeout: GOAWAY, streams in flight finish.
      closeWhenIdle(session, limits.idleTimeoutMs);
      if (this.closing) session.close();
    });
    this.server.on('stream', (stream, headers) => this.onStream(stream, headers));
  }

  /** Takes a connection whose first bytes (the HTTP/2 preface) were put back on it. */
  accept(socket: Socket): void {
    this.server.emit('connection', socket);
  }

  get callsInFlight(): number {
    return this.inFlight.count;
  }

  /** GOAWAY to every caller; resolves once the calls in flight are answered. */
  async close(): Promise<void> {
    this.closing = true;
    for (const end of this.localOpen) end();
    for (const s of this.sessions) s.close();
    await this.inFlight.idle();
  }

  /** Ends every session at once, calls in flight too (a drain that ran out of time). */
  closeConnections(): void {
    for (const s of this.sessions) s.destroy();
  }

  private onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    // First, before anything can fail: a reset stream must not throw unhandled.
    stream.on('error', () => undefined);
    const requestId = first(headers['x-request-id']) || randomUUID();
    if (headers[':method'] !== 'POST') return void stream.respond({ ':status': 405 }, { endStream: true });
    // gRPC says 415 for a content type that is not gRPC's (grpc-web is another protocol).
    const contentType = first(headers['content-type']) ?? '';
    if (!/^application\/grpc(\+proto)?(;|$)/.test(contentType)) return void stream.respond({ ':status': 415 }, { endStream: true });
    const path = first(headers[':path']) ?? '/';
    const m = /^\/([^/?]+)\/([^/?]+)$/.exec(path);
    let metadata: Record<string, string>;
    let timeoutHeader: string | undefined;
    try {
      if (!m) throw new MeshError('UNIMPLEMENTED', `no method at ${path}: call /<service>/<method> of a .proto service in the registry`);
      if (this.inFlight.count >= this.limits.maxInFlight) throw new MeshError('RESOURCE_EXHAUSTED', `${this.inFlight.count} calls in flight: the sidecar takes no more for now`);
      metadata = callerMetadata(headers);
      timeoutHeader = timeoutMsOf(headers['grpc-timeout']);
    } catch (err) {
      return this.fail(stream, err, requestId, true);
    }
    const local = this.local.get(path);
    if (local && typeof local !== 'function') return this.runLocalStream(stream, local, requestId);
    if (this.streams?.isStreaming(m![1], m![2])) return this.runStream(stream, headers, m![1], m![2], metadata, timeoutHeader, requestId, this.streams.handler);
    this.inFlight.begin();
    const cancel = new CancelToken();
    let answered = false;
    const answer = (reply: NativeReply | undefined, err: unknown, early = false) => {
      if (answered) return;
      answered = true;
      bodyTimer.cancel();
      if (reply) this.reply(stream, reply, requestId);
      else this.fail(stream, err, requestId, early);
    };
    const bodyTimer = this.bodyTimeouts.add(() => answer(undefined, new MeshError('DEADLINE_EXCEEDED', `the request message did not arrive within ${this.limits.bodyTimeoutMs} ms (TRANSMESH_BODY_TIMEOUT_MS)`), true));
    // The caller reset the stream or went away: whatever runs for it is cancelled.
    stream.once('close', () => {
      bodyTimer.cancel();
      if (!answered) cancel.cancel();
      answered = true;
      this.inFlight.end();
    });
    const body = new FrameCollector(this.limits.maxMessageBytes);
    stream.on('data', (c: Buffer) => {
      if (answered) return;
      const refused = body.push(c);
      if (refused) answer(undefined, refused, true);
    });
    stream.once('end', () => {
      if (answered) return;
      bodyTimer.cancel();
      let message: Buffer;
      try {
        message = unaryMessage(body);
      } catch (err) {
        return answer(undefined, err);
      }
      if (typeof local === 'function') {
        answered = true;
        return this.runLocal(stream, local, message, requestId);
      }
      const call = this.callOf(m![1], m![2], message, requestId, timeoutHeader, metadata, headers, cancel);
      this.handler(call).then(
        (reply) => answer(reply, undefined),
        (err: unknown) => answer(undefined, err),
      );
    });
  }

  /** A streaming method of the registry: no body timeout (a stream may be long-lived), its deadline is the call's. */
  private runStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, service: string, method: string, metadata: Record<string, string>, timeoutHeader: string | undefined, requestId: string, handler: StreamCallHandler): void {
    this.inFlight.begin();
    stream.once('close', () => this.inFlight.end());
    const call = this.callOf(service, method, new MessageQueue(), requestId, timeoutHeader, metadata, headers, new CancelToken());
    runNativeStream(stream, call, handler, this.limits.maxMessageBytes, this.log);
  }

  private callOf<B>(service: string, method: string, body: B, requestId: string, timeoutHeader: string | undefined, metadata: Record<string, string>, headers: IncomingHttpHeaders, cancel: CancelToken): OutboundCall<B> {
    return { service, method, body, requestId, caller: this.caller, int64AsNumber: false, timeoutHeader, metadata, headers, cancel, startedAt: performance.now(), deadline: 0, route: undefined, policy: undefined };
  }

  /**
   * A local bidi stream: request messages split from the body as they arrive, each checked
   * against the size limit from its length prefix; the caller's half-close ends the call.
   */
  private runLocalStream(stream: ServerHttp2Stream, method: LocalStreamMethod, requestId: string): void {
    this.inFlight.begin();
    stream.once('close', () => this.inFlight.end());
    let onMessage: ((m: Buffer) => void) | undefined;
    const end = this.runLocal(stream, (_m, out) => (onMessage = method.open(out)), Buffer.alloc(0), requestId);
    let pending: Buffer = Buffer.alloc(0);
    stream.on('data', (c: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, c]) : c;
      while (pending.length >= 5) {
        const len = pending.readUInt32BE(1);
        if (len > this.limits.maxMessageBytes) return end(new MeshError('RESOURCE_EXHAUSTED', `message of ${len} bytes is over the ${this.limits.maxMessageBytes}-byte limit (TRANSMESH_MAX_MESSAGE_BYTES)`));
        if (pending[0] !== 0) return end(new MeshError('UNIMPLEMENTED', 'compressed messages are not accepted (grpc-accept-encoding: identity)'));
        if (pending.length < 5 + len) break;
        const message = pending.subarray(5, 5 + len);
        pending = pending.subarray(5 + len);
        try {
          onMessage?.(message);
        } catch (err) {
          return end(err);
        }
      }
    });
    stream.once('end', () => end());
  }

  /**
   * Runs a local method on the stream; returns its end: OK, or the status of an error (trailers,
   * or trailers-only before any message).
   */
  private runLocal(stream: ServerHttp2Stream, method: LocalMethod, message: Buffer, requestId: string): (err?: unknown) => void {
    let started = false;
    let ended = false;
    let trailers: Record<string, string> = { 'grpc-status': '0' };
    const closers: Array<() => void> = [];
    const end = (err?: unknown) => {
      if (ended) return;
      ended = true;
      this.localOpen.delete(end);
      if (stream.destroyed || stream.closed) return;
      if (!started) {
        if (err !== undefined) return this.fail(stream, err, requestId, true);
        return void stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'x-request-id': requestId, 'grpc-status': '0' }, { endStream: true });
      }
      if (err !== undefined) trailers = grpcErrorTrailers(err);
      stream.end();
    };
    const out: LocalReplies = {
      send: (m) => {
        if (ended || stream.destroyed || stream.closed) return;
        if (!started) {
          started = true;
          stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-accept-encoding': 'identity', 'x-request-id': requestId }, { waitForTrailers: true });
          stream.once('wantTrailers', () => stream.sendTrailers(trailers));
        }
        stream.write(frame(m));
      },
      end: () => end(),
      onClose: (fn) => closers.push(fn),
    };
    this.localOpen.add(end);
    stream.once('close', () => {
      this.localOpen.delete(end);
      for (const fn of closers) fn();
    });
    try {
      method(message, out);
    } catch (err) {
      end(err);
    }
    return end;
  }

  private reply(stream: ServerHttp2Stream, reply: NativeReply, requestId: string): void {
    if (stream.destroyed || stream.closed) return;
    const headers: Record<string, string | number> = { ':status': 200, 'content-type': 'application/grpc', 'grpc-accept-encoding': 'identity', 'x-request-id': requestId, ...reply.metadata };
    const trailers: Record<string, string> = { 'grpc-status': '0' };
    // What the service sent as trailers goes back as trailers (the peer hop names them).
    for (const k of reply.trailerKeys ?? []) {
      if (headers[k] === undefined) continue;
      trailers[k] = String(headers[k]);
      delete headers[k];
    }
    stream.respond(headers, { waitForTrailers: true });
    stream.once('wantTrailers', () => stream.sendTrailers(trailers));
    stream.end(frame(reply.message));
  }

  /** Trailers-only; `early`: answered before the whole request arrived, whose rest is not wanted. */
  private fail(stream: ServerHttp2Stream, err: unknown, requestId: string, early = false): void {
    const e = MeshError.from(err);
    if (e.code === 'INTERNAL' || e.code === 'UNKNOWN') this.log.warn({ err: e, requestId }, 'gRPC call failed');
    if (stream.destroyed || stream.closed) return;
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-accept-encoding': 'identity', 'x-request-id': requestId, ...grpcErrorTrailers(e) }, { endStream: true });
    if (early) stream.close(NGHTTP2_NO_ERROR);
  }
}

/** The one message of a unary request, unframed; compressed messages are refused as gRPC says, naming what is accepted. */
function unaryMessage(body: FrameCollector): Buffer {
  const framed = body.body();
  if (framed.length === 0) throw new MeshError('INTERNAL', 'a unary call needs one request message; none was sent');
  if (framed[0] !== 0) throw new MeshError('UNIMPLEMENTED', 'compressed messages are not accepted (grpc-accept-encoding: identity)');
  return framed.subarray(5);
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
