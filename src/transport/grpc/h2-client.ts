import http2, { ClientHttp2Session, ClientHttp2Stream, IncomingHttpHeaders, OutgoingHttpHeaders, SecureClientSessionOptions } from 'node:http2';
import { MeshError } from '../../errors/mesh-error';
import { collectMetadata } from './metadata';
import { decodeGrpcMessage, frame, FrameCollector, unframe } from './grpc-frame';
import type { CancelToken } from '../../timing/cancel-token';
import { closeWhenIdle } from '../idle-close';
import type { MessageQueue } from './message-queue';
import type { StreamResponse } from './stream-response';
import { runH2Stream } from './h2-stream';

const { NGHTTP2_CANCEL, NGHTTP2_REFUSED_STREAM } = http2.constants;

export interface H2ClientOptions {
  /** Largest response message; checked from its gRPC frame header before it is buffered. */
  readonly maxMessageBytes: number;
  /** Keepalive PING interval; a PING not answered within it closes the session. */
  readonly pingIntervalMs: number;
  /** A session with no stream and no traffic for this long is closed. */
  readonly idleTimeoutMs: number;
}

export const defaultH2ClientOptions: H2ClientOptions = { maxMessageBytes: 4 * 1024 * 1024, pingIntervalMs: 30_000, idleTimeoutMs: 300_000 };

/** Session states in which `request()` throws before sending anything: safe to try elsewhere. */
const notSentCodes = new Set(['ERR_HTTP2_GOAWAY_SESSION', 'ERR_HTTP2_INVALID_SESSION', 'ERR_HTTP2_OUT_OF_STREAMS']);

/** An HTTP/2 exchange as it came over the wire: headers, framed body, trailers. */
export interface RawResponse {
  readonly headers: IncomingHttpHeaders;
  readonly trailers: IncomingHttpHeaders | undefined;
  readonly body: Buffer;
}

/** A provider's answer, unframed; the caller maps a non-zero status to an error. */
export interface PeerResponse {
  readonly status: number;
  readonly message: string;
  readonly detailsBin: string | undefined;
  readonly metadata: Record<string, string>;
  readonly headers: IncomingHttpHeaders;
  readonly payload: Buffer;
}

/**
 * TLS for the peer hop: the options of a new session to `authority` (the sidecar's certificate,
 * the mesh CA, the identity expected there). Read per new session, so a renewed certificate is
 * used from the next connection on while open sessions carry on.
 */
export type PeerTls = (authority: string) => SecureClientSessionOptions;

/**
 * Unary gRPC-framed calls over HTTP/2 (h2c, or TLS when given `tls`), one long-lived session per
 * address, reconnected on demand. The one HTTP/2 engine of the mesh: the peer hop's HTTP/2 client
 * to other sidecars (`call`, src/sidecar/peer), and the gRPC adapter's client to its service
 * (`exchange`, which passes framed bytes through untouched).
 */
export class H2Client {
  private readonly sessions = new Map<string, ClientHttp2Session>();
  /** Per session: counts a stream it carries, for its idle timeout. */
  private readonly trackers = new WeakMap<ClientHttp2Session, (stream: ClientHttp2Stream) => void>();

  constructor(
    private readonly opts: H2ClientOptions = defaultH2ClientOptions,
    private readonly tls?: PeerTls,
  ) {}

  async call(authority: string, headers: OutgoingHttpHeaders, message: Uint8Array, deadline: number, cancel?: CancelToken): Promise<PeerResponse> {
    return toResponse(await this.exchange(authority, headers, frame(message), deadline, cancel));
  }

  /** One request with an already framed body; resolves with whatever came back, status unchecked. */
  exchange(authority: string, headers: OutgoingHttpHeaders, body: Buffer, deadline: number, cancel?: CancelToken): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return reject(new MeshError('DEADLINE_EXCEEDED', 'deadline exceeded before the call was sent'));
      const stream = this.request(authority, headers);
      if (stream instanceof MeshError) return reject(stream);
      let resHeaders: IncomingHttpHeaders | undefined;
      let trailers: IncomingHttpHeaders | undefined;
      let done = false;
      const received = new FrameCollector(this.opts.maxMessageBytes);
      const finish = (err: MeshError | undefined) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        cancel?.set(undefined);
        if (err) return reject(err);
        try {
          resolve({ headers: resHeaders!, trailers, body: received.body() });
        } catch (e) {
          reject(MeshError.from(e));
        }
      };
      // Every listener before anything can close the stream: an early close must find them there.
      stream.on('response', (h) => (resHeaders = h));
      stream.on('trailers', (t) => (trailers = t));
      stream.on('data', (c: Buffer) => {
        if (done) return;
        const refused = received.push(c);
        if (refused) {
          stream.close(NGHTTP2_CANCEL);
          finish(new MeshError(refused.code, `${authority}: ${refused.message}`));
        }
      });
      stream.on('error', (err) => {
        // A trailers-only answer followed by a reset (a provider refusing a body it will not read) is still the answer.
        if (resHeaders?.['grpc-status'] !== undefined) return finish(undefined);
        // REFUSED_STREAM (the peer's cap, or streams beyond a GOAWAY's last id): the peer never took it.
        finish(unavailable(authority, err, !resHeaders && (stream.rstCode === NGHTTP2_REFUSED_STREAM || neverReachedPeer(err))));
      });
      stream.on('close', () => {
        if (!resHeaders) return finish(unavailable(authority, new Error(`stream closed (code ${stream.rstCode})`), stream.rstCode === NGHTTP2_REFUSED_STREAM));
        finish(undefined);
      });
      // Events are emitted asynchronously, so nothing calls `finish` before this line has run.
      const timer = setTimeout(() => {
        stream.close(NGHTTP2_CANCEL);
        finish(new MeshError('DEADLINE_EXCEEDED', `deadline exceeded after ${Math.round(remaining)} ms`));
      }, remaining);
      if (cancel && !cancel.set(() => (stream.close(NGHTTP2_CANCEL), finish(new MeshError('CANCELLED', 'the caller went away'))))) {
        stream.close(NGHTTP2_CANCEL);
        return finish(new MeshError('CANCELLED', 'the caller went away'));
      }
      stream.end(body);
    });
  }

  /**
   * A streaming call (client, server or bidi): request messages are taken from `requests` as
   * HTTP/2 accepts them; resolves when the response headers arrive (h2-stream.ts).
   */
  stream(authority: string, headers: OutgoingHttpHeaders, requests: MessageQueue, deadline: number, cancel?: CancelToken): Promise<StreamResponse> {
    if (deadline - Date.now() <= 0) return Promise.reject(new MeshError('DEADLINE_EXCEEDED', 'deadline exceeded before the call was sent'));
    const stream = this.request(authority, headers);
    if (stream instanceof MeshError) return Promise.reject(stream);
    return runH2Stream(stream, authority, requests, deadline, cancel, this.opts.maxMessageBytes);
  }

  /** Closes sessions to peers no longer in the endpoints snapshot (they drain their streams first). */
  retain(addresses: ReadonlySet<string>): void {
    for (const [authority, s] of this.sessions) {
      if (addresses.has(authority)) continue;
      this.sessions.delete(authority);
      s.close();
    }
  }

  /** Open sessions, for tests and the debug endpoint. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  close(): void {
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }

  /** A new stream, or why none could be opened. */
  private request(authority: string, headers: OutgoingHttpHeaders): ClientHttp2Stream | MeshError {
    try {
      const session = this.session(authority);
      const stream = session.request(headers, { endStream: false });
      this.trackers.get(session)?.(stream);
      return stream;
    } catch (err) {
      // A session going away (GOAWAY seen, not yet closed) throws before anything is sent; a
      // header HTTP/2 refuses (hop-by-hop) is the caller's mistake, and no other peer would take it.
      const code = (err as { code?: string })?.code ?? '';
      if (notSentCodes.has(code)) return unavailable(authority, err, true);
      return new MeshError('INTERNAL', `the call could not be sent: ${(err as Error).message}`);
    }
  }

  private session(authority: string): ClientHttp2Session {
    const existing = this.sessions.get(authority);
    if (existing && !existing.closed && !existing.destroyed) return existing;
    const s = this.tls ? http2.connect(`https://${authority}`, this.tls(authority)) : http2.connect(`http://${authority}`);
    const forget = () => {
      clearInterval(ping);
      if (this.sessions.get(authority) === s) this.sessions.delete(authority);
    };
    s.on('error', forget);
    s.on('close', forget);
    // GOAWAY: streams already taken finish; the session then closes instead of lingering unmapped.
    s.on('goaway', () => (forget(), s.close()));
    // No stream for idleTimeoutMs: closed (streams in flight keep it open until they end).
    this.trackers.set(s, closeWhenIdle(s, this.opts.idleTimeoutMs));
    // A peer that vanished without a FIN would hang every call on it until its deadline; an
    // unanswered PING finds it within one interval.
    let awaiting = false;
    const ping = setInterval(() => {
      if (awaiting) return s.destroy(new Error(`${authority} did not answer a keepalive PING`));
      if (!s.connecting && !s.destroyed) {
        awaiting = true;
        s.ping((err) => {
          awaiting = false;
          if (err && !s.destroyed) s.destroy(err);
        });
      }
    }, this.opts.pingIntervalMs);
    ping.unref();
    s.unref();
    this.sessions.set(authority, s);
    return s;
  }
}

/** The gRPC status of an exchange: from the trailers, or from the headers of a trailers-only answer. */
export function grpcStatusOf(raw: RawResponse): { status: number; message: string; detailsBin: string | undefined } {
  const t = raw.trailers ?? raw.headers;
  const rawStatus = t['grpc-status'];
  if (rawStatus === undefined) {
    const httpStatus = Number(raw.headers[':status'] ?? 0);
    if (httpStatus !== 200) throw new MeshError(httpStatus === 404 || httpStatus === 501 ? 'UNIMPLEMENTED' : 'UNAVAILABLE', `peer answered HTTP ${httpStatus}`);
    throw new MeshError('INTERNAL', 'peer response has no grpc-status');
  }
  const status = Number(rawStatus);
  const details = t['grpc-status-details-bin'];
  return {
    status: Number.isInteger(status) && status >= 0 ? status : 2,
    message: decodeGrpcMessage(t['grpc-message']),
    detailsBin: Array.isArray(details) ? details[0] : details,
  };
}

/** A raw exchange as the consumer sees it: status, metadata and the unframed message. */
export function toResponse(raw: RawResponse): PeerResponse {
  const { status, message, detailsBin } = grpcStatusOf(raw);
  const metadata: Record<string, string> = {};
  collectMetadata(metadata, raw.headers);
  if (raw.trailers) collectMetadata(metadata, raw.trailers);
  return { status, message, detailsBin, metadata, headers: raw.headers, payload: status === 0 ? unframe([raw.body]) : Buffer.alloc(0) };
}

/** Only failures that prove the provider never saw the call may be retried elsewhere. */
function neverReachedPeer(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return code === 'ECONNREFUSED' || code === 'ERR_HTTP2_GOAWAY_SESSION' || code === 'ERR_HTTP2_STREAM_CANCEL' || code === 'EHOSTUNREACH';
}

/** UNAVAILABLE; `notSent`: the provider provably never saw the call, so it may go elsewhere. */
export function unavailable(authority: string, err: unknown, notSent: boolean): MeshError {
  return new MeshError('UNAVAILABLE', `${authority}: ${(err as Error)?.message ?? err}`, { retryable: notSent, cause: err });
}
