import http2, { Http2Server, IncomingHttpHeaders, ServerHttp2Session, ServerHttp2Stream } from 'node:http2';
import { codeName } from '../../errors/codes';
import { MeshError } from '../../errors/mesh-error';
import type { Logger } from '../../log/logger';
import type { InboundObserver } from './inbound-observer';
import { PeerHeaders } from '../../transport/peer/peer-headers';
import { InFlight } from '../in-flight';
import { parseGrpcTimeout } from '../../transport/grpc/grpc-frame';
import { maxTimerMs } from '../../transport/peer/timer-cap';
import { CancelToken } from '../../transport/peer/cancel-token';
import type { Provider } from './provider';
import { errorReplyFor, InboundReply, writeReply } from './peer-reply';

/**
 * The peer-facing listener: other sidecars call the services this one provides, as
 * gRPC-framed unary calls over h2c. Each stream goes to the provider of its service.
 */
export class PeerServer {
  readonly server: Http2Server;
  private readonly inFlight = new InFlight();
  private readonly sessions = new Set<ServerHttp2Session>();

  constructor(
    private readonly providers: ReadonlyMap<string, Provider>,
    private readonly observer: InboundObserver,
    private readonly defaultTimeoutMs: number,
    private readonly log: Logger,
  ) {
    this.server = http2.createServer();
    this.server.on('stream', (stream, headers) => this.onStream(stream, headers));
    this.server.on('session', (session) => {
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
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
    const path = String(headers[':path'] ?? '');
    const slash = path.indexOf('/', 1);
    const service = slash > 0 ? path.slice(1, slash) : '';
    const method = slash > 0 ? path.slice(slash + 1) : '';
    const caller = String(headers[PeerHeaders.caller] ?? 'unknown');
    const provider = this.providers.get(service);
    const watch = this.observer.begin(headers, caller, service, method, provider?.protocol);
    this.inFlight.begin();
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', () => undefined);
    stream.once('end', () => {
      void this.handle(stream, headers, provider, service, method, path, chunks).then((reply) => {
        writeReply(stream, reply);
        this.observer.end(watch, provider !== undefined, codeName(reply.status));
        this.inFlight.end();
      });
    });
  }

  private async handle(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, provider: Provider | undefined, service: string, method: string, path: string, chunks: Buffer[]): Promise<InboundReply> {
    if (!provider) {
      // Discovery was stale: nothing ran here, so the consumer may go elsewhere.
      return errorReplyFor(Object.assign(new MeshError('UNAVAILABLE', `this sidecar does not provide ${service}`), { retryable: true }));
    }
    const timeout = Math.min(parseGrpcTimeout(headers['grpc-timeout'] as string | undefined) ?? this.defaultTimeoutMs, maxTimerMs);
    const cancel = new CancelToken();
    stream.once('close', () => cancel.cancel());
    try {
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      return await provider.call({ service, method, path, headers, body, deadline: Date.now() + timeout, cancel });
    } catch (err) {
      const e = MeshError.from(err);
      if (e.code === 'INTERNAL') this.log.error({ err, service, method }, 'provider call failed');
      return errorReplyFor(e);
    }
  }
}
