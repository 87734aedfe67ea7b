import http2, { Http2SecureServer, Http2Server, IncomingHttpHeaders, ServerHttp2Session, ServerHttp2Stream } from 'node:http2';
import { Code, codeName } from '../../errors/codes';
import { MeshError } from '../../errors/mesh-error';
import type { Logger } from '../../log/logger';
import { BoundedLabels } from '../../telemetry/bounded-labels';
import type { InboundObserver } from './inbound-observer';
import { InFlight } from '../in-flight';
import { FrameCollector, parseGrpcTimeout } from '../../transport/grpc/grpc-frame';
import { maxTimerMs } from '../../transport/peer/timer-cap';
import { CancelToken } from '../../transport/peer/cancel-token';
import { SnapshotCell } from '../../snapshot/snapshot-cell';
import { emptyIdl, findMethod, IdlSnapshot } from '../../snapshot/snapshots';
import type { MethodModel } from '../../idl/model';
import { defaultLimits, Limits } from '../../config/sidecar-config';
import type { Provider } from './provider';
import { errorReply, errorReplyFor, InboundReply, writeReply } from './peer-reply';
import { inboundGuard, type InboundGuard } from './inbound-guard';


const { NGHTTP2_NO_ERROR, NGHTTP2_REFUSED_STREAM } = http2.constants;

/**
 * The peer-facing listener: other sidecars call the services this one provides, as
 * gRPC-framed unary calls over h2c. Each stream goes to the provider of its service.
 */
export class PeerServer {
  readonly server: Http2Server | Http2SecureServer;
  private readonly inFlight = new InFlight();
  private readonly sessions = new Set<ServerHttp2Session>();
  private readonly callers = new BoundedLabels();

  constructor(
    private readonly providers: ReadonlyMap<string, Provider>,
    private readonly observer: InboundObserver,
    private readonly defaultTimeoutMs: number,
    private readonly log: Logger,
    /** The IDL snapshot: which methods exist (metric labels) and which Thrift methods are oneway. */
    private readonly idl: SnapshotCell<IdlSnapshot> = new SnapshotCell(emptyIdl),
    private readonly limits: Limits = defaultLimits,
    /** mTLS and the caller's identity on a mesh with a CA, and the access policy. */
    private readonly guard: InboundGuard = inboundGuard(undefined, undefined),
  ) {
    this.server = guard.createServer({ maxConcurrentStreams: limits.maxConcurrentStreams });
    this.server.on('stream', (stream, headers) => this.onStream(stream, headers));
    this.server.on('session', (session) => {
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
      session.on('error', () => undefined);
      // An idle session (no stream, no PING) is closed; its peer reconnects when it needs to.
      session.setTimeout(limits.idleTimeoutMs, () => session.close());
    });
    this.server.on('sessionError', (err) => this.log.debug({ err }, 'peer session error'));
  }

  /** Stops accepting: GOAWAY to every peer, so streams in flight finish and new ones go elsewhere. */
  close(): Promise<void> {
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    for (const s of this.sessions) s.close();
    return closed;
  }

  /** Resolves when no call is in flight. */
  idle(): Promise<void> {
    return this.inFlight.idle();
  }

  private onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    // First, before anything can fail or return: a reset stream must not throw unhandled.
    stream.on('error', () => undefined);
    const path = String(headers[':path'] ?? '');
    const slash = path.indexOf('/', 1);
    const service = slash > 0 ? path.slice(1, slash) : '';
    const method = slash > 0 ? path.slice(slash + 1) : '';
    const provider = this.providers.get(service);
    const model = provider ? findMethod(this.idl.current, service, method)?.method : undefined;
    // Labels a peer cannot choose: methods outside the IDL snapshot and callers beyond a bounded set share one.
    const caller = this.callers.label(this.guard.callerOf(stream, headers));
    const watch = this.observer.begin(headers, caller, service, method, provider?.protocol);
    const observe = (status: number) => this.observer.end(watch, provider !== undefined, model !== undefined, codeName(status));
    if (this.inFlight.count >= this.limits.maxInFlight) {
      // Nothing ran: the consumer's retry goes to another provider.
      stream.close(NGHTTP2_REFUSED_STREAM);
      observe(Code.RESOURCE_EXHAUSTED);
      return;
    }
    this.inFlight.begin();
    stream.once('close', () => this.inFlight.end());
    const body = new FrameCollector(this.limits.maxMessageBytes);
    let answered = false;
    const answer = (reply: InboundReply, reset: boolean) => {
      if (answered) return;
      answered = true;
      clearTimeout(bodyTimer);
      writeReply(stream, reply);
      observe(reply.status);
      // Answered before the body ended: the rest is not wanted (RST_STREAM NO_ERROR, as RFC 9113 8.1 says).
      if (reset) stream.close(NGHTTP2_NO_ERROR);
    };
    const bodyTimer = setTimeout(
      () => answer(errorReply(Code.DEADLINE_EXCEEDED, `the request body did not arrive within ${this.limits.bodyTimeoutMs} ms`), true),
      this.limits.bodyTimeoutMs,
    );
    bodyTimer.unref();
    stream.on('data', (c: Buffer) => {
      if (answered) return;
      const refused = body.push(c);
      if (refused) answer(errorReplyFor(refused), true);
    });
    stream.once('end', () => {
      if (answered) return;
      clearTimeout(bodyTimer);
      let bytes: Buffer;
      try {
        bytes = body.body();
      } catch (err) {
        return answer(errorReplyFor(MeshError.from(err)), false);
      }
      this.handle(stream, headers, provider, model, service, method, path, bytes, caller).then(
        (reply) => answer(reply, false),
        (err: unknown) => answer(errorReplyFor(MeshError.from(err)), false),
      ).catch((err: unknown) => this.log.error({ err, service, method }, 'could not write a peer reply'));
    });
  }

  private async handle(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, provider: Provider | undefined, model: MethodModel | undefined, service: string, method: string, path: string, body: Buffer, caller: string): Promise<InboundReply> {
    if (!provider) {
      // Discovery was stale: nothing ran here, so the consumer may go elsewhere.
      return errorReplyFor(Object.assign(new MeshError('UNAVAILABLE', `this sidecar does not provide ${service}`), { retryable: true }));
    }
    const refused = this.guard.admit(caller, service, method);
    if (refused) return errorReplyFor(refused);
    const timeout = Math.min(parseGrpcTimeout(headers['grpc-timeout'] as string | undefined) ?? this.defaultTimeoutMs, maxTimerMs);
    const cancel = new CancelToken();
    stream.once('close', () => cancel.cancel());
    try {
      return await provider.call({ service, method, model, path, headers, body, deadline: Date.now() + timeout, cancel });
    } catch (err) {
      const e = MeshError.from(err);
      if (e.code === 'INTERNAL') this.log.error({ err, service, method }, 'provider call failed');
      return errorReplyFor(e);
    }
  }
}
