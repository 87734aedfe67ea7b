import http2, { ClientHttp2Session, IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import { MeshError } from '../../src/errors/mesh-error';
import { collectMetadata } from './metadata';
import { decodeGrpcMessage, frame, unframe } from './grpc-frame';

const { NGHTTP2_CANCEL } = http2.constants;

/** A provider's answer as it came over the wire; the caller maps a non-zero status to an error. */
export interface PeerResponse {
  readonly status: number;
  readonly message: string;
  readonly detailsBin: string | undefined;
  readonly metadata: Record<string, string>;
  readonly headers: IncomingHttpHeaders;
  readonly payload: Buffer;
}

/**
 * Unary gRPC-framed calls over HTTP/2 (h2c), one long-lived session per peer address,
 * reconnected on demand. Used between sidecars and from a provider sidecar to its gRPC service.
 */
export class PeerClient {
  private readonly sessions = new Map<string, ClientHttp2Session>();

  call(authority: string, headers: OutgoingHttpHeaders, message: Uint8Array, deadline: number, signal?: AbortSignal): Promise<PeerResponse> {
    return new Promise((resolve, reject) => {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return reject(new MeshError('DEADLINE_EXCEEDED', 'deadline exceeded before the call was sent'));
      let session: ClientHttp2Session;
      try {
        session = this.session(authority);
      } catch (err) {
        return reject(unavailable(authority, err, true));
      }
      const stream = session.request(headers, { endStream: false });
      let responded = false;
      let done = false;
      let resHeaders: IncomingHttpHeaders = {};
      let trailers: IncomingHttpHeaders | undefined;
      const chunks: Buffer[] = [];
      const finish = (err: MeshError | undefined) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (err) return reject(err);
        try {
          resolve(toResponse(resHeaders, trailers, chunks));
        } catch (e) {
          reject(MeshError.from(e));
        }
      };
      const timer = setTimeout(() => {
        stream.close(NGHTTP2_CANCEL);
        finish(new MeshError('DEADLINE_EXCEEDED', `deadline exceeded after ${Math.round(remaining)} ms`));
      }, remaining);
      const onAbort = () => {
        stream.close(NGHTTP2_CANCEL);
        finish(new MeshError('CANCELLED', 'the caller went away'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      stream.on('response', (h) => {
        responded = true;
        resHeaders = h;
      });
      stream.on('trailers', (t) => (trailers = t));
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', (err) => finish(unavailable(authority, err, !responded && neverReachedPeer(err))));
      stream.on('close', () => {
        if (!responded) return finish(unavailable(authority, new Error(`stream closed (code ${stream.rstCode})`), stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM));
        finish(undefined);
      });
      stream.end(frame(message));
    });
  }

  close(): void {
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }

  private session(authority: string): ClientHttp2Session {
    const existing = this.sessions.get(authority);
    if (existing && !existing.closed && !existing.destroyed) return existing;
    const s = http2.connect(`http://${authority}`);
    const forget = () => {
      if (this.sessions.get(authority) === s) this.sessions.delete(authority);
    };
    s.on('error', forget);
    s.on('close', forget);
    s.on('goaway', forget);
    s.unref();
    this.sessions.set(authority, s);
    return s;
  }
}

function toResponse(headers: IncomingHttpHeaders, trailers: IncomingHttpHeaders | undefined, chunks: Buffer[]): PeerResponse {
  // A trailers-only response carries the status in its headers.
  const t = trailers ?? headers;
  const httpStatus = Number(headers[':status'] ?? 0);
  const rawStatus = t['grpc-status'];
  if (rawStatus === undefined) {
    if (httpStatus !== 200) throw new MeshError(httpStatus === 404 || httpStatus === 501 ? 'UNIMPLEMENTED' : 'UNAVAILABLE', `peer answered HTTP ${httpStatus}`);
    throw new MeshError('INTERNAL', 'peer response has no grpc-status');
  }
  const status = Number(rawStatus);
  const metadata: Record<string, string> = {};
  collectMetadata(metadata, headers);
  if (trailers) collectMetadata(metadata, trailers);
  const details = t['grpc-status-details-bin'];
  return {
    status: Number.isInteger(status) && status >= 0 ? status : 2,
    message: decodeGrpcMessage(t['grpc-message']),
    detailsBin: Array.isArray(details) ? details[0] : details,
    metadata,
    headers,
    payload: status === 0 ? unframe(chunks) : Buffer.alloc(0),
  };
}

/** Only failures that prove the provider never saw the call may be retried elsewhere. */
function neverReachedPeer(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return code === 'ECONNREFUSED' || code === 'ERR_HTTP2_GOAWAY_SESSION' || code === 'ERR_HTTP2_STREAM_CANCEL' || code === 'EHOSTUNREACH';
}

function unavailable(authority: string, err: unknown, notSent: boolean): MeshError {
  const e = new MeshError('UNAVAILABLE', `${authority}: ${(err as Error)?.message ?? err}`);
  e.retryable = notSent;
  return e;
}

