import type { Http2SecureServer, Http2Server, IncomingHttpHeaders, ServerHttp2Session, ServerHttp2Stream } from 'node:http2';
import { codeName } from '../../errors/codes';
import { MeshError } from '../../errors/mesh-error';
import type { Logger } from '../../log/logger';
import { Metrics, unroutedLabel } from '../../telemetry/metrics';
import { InFlight } from '../in-flight';
import { parseGrpcTimeout } from '../../transport/grpc/grpc-frame';
import { maxTimerMs } from '../../transport/peer/timer-cap';
import { CancelToken } from '../../transport/peer/cancel-token';
import type { Provider } from './provider';
import { errorReplyFor, InboundReply, writeReply } from './peer-reply';
import { inboundGuard, type InboundGuard } from './inbound-guard';

/**
 * The peer-facing listener: other sidecars call the services this one provides, as
 * gRPC-framed unary calls over h2c. Each stream goes to the provider of its service.
 */
export class PeerServer {
  readonly server: Http2Server | Http2SecureServer;
  private readonly inFlight = new InFlight();
  private readonly sessions = new Set<ServerHttp2Session>();

  constructor(
    private readonly providers: ReadonlyMap<string, Provider>,
    private readonly metrics: Metrics,
    private readonly defaultTimeoutMs: number,
    private readonly log: Logger,
    private readonly guard: InboundGuard = inboundGuard(undefined, undefined),
  ) {
    this.server = guard.createServer();
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
    const started = performance.now();
    const path = String(headers[':path'] ?? '');
    const slash = path.indexOf('/', 1);
    const service = slash > 0 ? path.slice(1, slash) : '';
    const method = slash > 0 ? path.slice(slash + 1) : '';
    const caller = this.guard.callerOf(stream, headers);
    const provider = this.providers.get(service);
    this.inFlight.begin();
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', () => undefined);
    stream.once('end', () => {
      void this.handle(stream, headers, provider, service, method, path, chunks, caller).then((reply) => {
        writeReply(stream, reply);
        this.metrics.observe('inbound', caller, provider ? service : unroutedLabel, provider ? method : unroutedLabel, codeName(reply.status), (performance.now() - started) / 1000);
        this.inFlight.end();
      });
    });
  }

  private async handle(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, provider: Provider | undefined, service: string, method: string, path: string, chunks: Buffer[], caller: string): Promise<InboundReply> {
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
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      return await provider.call({ service, method, path, headers, body, deadline: Date.now() + timeout, cancel });
    } catch (err) {
      const e = MeshError.from(err);
      if (e.code === 'INTERNAL') this.log.error({ err, service, method }, 'provider call failed');
      return errorReplyFor(e);
    }
  }
}
