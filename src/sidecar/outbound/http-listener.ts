import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { writeJsonStream } from './http-stream-writer';
import type { JsonStreamHandler } from './json-stream';
import http, { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { MeshError } from '../../errors/mesh-error';
import { errorBody, httpStatusOf, payloadTooLargeStatus, requestTimeoutStatus } from './http-status';
import type { Logger } from '../../log/logger';
import type { CallHandler, OutboundCall, OutboundReply } from './call';
import { isUserMetadata } from '../../transport/grpc/metadata';
import { CancelToken } from '../../timing/cancel-token';
import { InFlight } from '../in-flight';
import { TimeoutSweep } from '../timeout-sweep';
import { defaultLimits, Limits } from '../../config/sidecar-config';
import { applyJsonOptions, defaultJsonOptions, type JsonOptions } from '../../protocol/json-options';
import { listenAt } from './listen-at';
import { connectFailure, connectReplyHeaders, isConnectRequest, readConnectRequest, type ConnectCall } from './connect-request';
import { connectStreamBody, writeConnectStream } from './connect-stream';
import { unrouted, type RestCall, type RestCalls } from './rest-calls';

const metadataPrefix = 'grpc-metadata-';
/** Headers the mesh carries itself; `grpc-metadata-*` cannot override them. */
const carriedApart = new Set(['x-request-id', 'traceparent', 'tracestate']);
/**
 * Names HTTP/2 forbids or the mesh reserves: sent as metadata they would make the peer client
 * throw (hop-by-hop) or speak for the mesh, so the call is refused before anything is sent.
 */
const hopByHop = new Set(['connection', 'te', 'transfer-encoding', 'upgrade', 'keep-alive', 'proxy-connection', 'host', 'http2-settings']);

/**
 * The app-facing HTTP/1.1 listener: `POST /<service>/<method>` with a JSON body. It turns the
 * request into an OutboundCall, runs the stack, and writes the reply or the JSON error; this
 * is the one place errors become HTTP statuses. Plain node:http rather than fastify: this one
 * route is the hot path, and fastify's reply pipeline was 15% of the sidecar's CPU in profiles
 * (docs/performance.md); the admin listener keeps fastify.
 */
export class HttpListener {
  private readonly server: http.Server;
  private readonly inFlight = new InFlight();
  /** Every upload's body timeout, on one interval rather than a timer per request. */
  private readonly bodyTimeouts: TimeoutSweep;
  private handedConnections = false;

  constructor(
    private readonly handler: CallHandler,
    private readonly caller: string,
    private readonly log: Logger,
    private readonly limits: Limits = defaultLimits,
    /** The app's `--json` defaults; a request's `x-transmesh-json` changes them option by option. */
    private readonly jsonDefaults: JsonOptions = defaultJsonOptions,
    /** The IDL's REST routes; without them only `POST /<service>/<method>` is served. */
    private readonly rest?: RestCalls,
    /** Streaming methods: which are (from the IDL snapshot), and their request path (http-stream-writer.ts). */
    private readonly streams?: { isStreaming(service: string, method: string): boolean; readonly handler: JsonStreamHandler },
  ) {
    this.bodyTimeouts = new TimeoutSweep(limits.bodyTimeoutMs);
    this.server = http.createServer(
      {
        keepAliveTimeout: 65_000,
        // A slow or stalled upload is answered (JSON, 408) by onRequest's timer; node's own 408 is the backstop.
        requestTimeout: limits.bodyTimeoutMs + 5000,
        headersTimeout: Math.min(60_000, limits.bodyTimeoutMs),
        connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(limits.bodyTimeoutMs / 4))),
      },
      (req, res) => this.onRequest(req, res),
    );
    // curl (so PHP) asks before sending a large body: an over-limit one is refused before it is sent.
    this.server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
      if (!(Number(req.headers['content-length'] ?? 0) > limits.maxMessageBytes)) res.writeContinue();
      this.onRequest(req, res);
    });
    // Idle connections between requests close after keepAliveTimeout; no socket timeout while a
    // call is in flight, whose deadline (x-transmesh-timeout-ms) may be longer than any idle limit.
  }

  /**
   * Takes a connection the app listener told apart as HTTP/1 (app-listener.ts), its first bytes
   * put back on it. node:http starts tracking connections (the header and request timeouts,
   * closeIdleConnections) on `listening`, which a server handed its connections never emits itself.
   */
  accept(socket: Socket): void {
    if (!this.handedConnections) {
      this.handedConnections = true;
      this.server.emit('listening');
    }
    this.server.emit('connection', socket);
    // Its parser reads the socket from here on; the bytes put back come first.
    socket.resume();
  }

  /** Listens on its own port: HTTP/1 only (the sidecar's app listener is app-listener.ts). */
  listen(host: string, port: number): Promise<string> {
    return listenAt(this.server, host, port);
  }

  /** Calls accepted and not yet answered (or abandoned). */
  get callsInFlight(): number {
    return this.inFlight.count;
  }

  /** Stops accepting, closes idle keep-alive connections, and resolves once calls in flight are answered. */
  async close(): Promise<void> {
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    this.server.closeIdleConnections();
    await this.inFlight.idle();
    this.server.closeIdleConnections();
    await closed;
  }

  /** Ends every connection at once, calls in flight too (a drain that ran out of time). */
  closeConnections(): void {
    this.server.closeAllConnections();
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const requestId = header(req, 'x-request-id') || randomUUID();
    const url = req.url ?? '/';
    // A Connect caller (connect-request.ts) is read and answered in Connect's shapes.
    let connect: ConnectCall | undefined;
    if (isConnectRequest(req, url)) {
      try {
        connect = readConnectRequest(req, url, this.limits.maxMessageBytes);
      } catch (err) {
        return this.sendError(res, MeshError.from(err), requestId, true);
      }
    }
    const m = connect ? [url, connect.service, connect.method] : /^\/([^/?]+)\/([^/?]+)(?:\?.*)?$/.exec(url);
    const plain = connect !== undefined || (req.method === 'POST' && m !== null);
    // The plain form first (the hot path): a route only when it names no service.
    const rest: RestCall | undefined = connect || !this.rest || (plain && this.rest.isService(m![1])) ? undefined : this.rest.match(req.method ?? '', url);
    if (!plain && !rest) return this.sendError(res, unrouted(req.method, url, m?.[1], this.rest), requestId, true);
    const limit = this.limits.maxMessageBytes;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) return this.refuseTooLarge(res, limit, requestId);
    if (this.inFlight.count >= this.limits.maxInFlight) {
      return this.sendError(res, new MeshError('RESOURCE_EXHAUSTED', `${this.inFlight.count} calls in flight: the sidecar takes no more for now`), requestId, true);
    }
    let metadata: Record<string, string>;
    try {
      metadata = connect ? connect.metadata : outgoingMetadata(req);
    } catch (err) {
      return this.sendError(res, MeshError.from(err), requestId, true);
    }
    const json = this.jsonOptionsOf(req);
    if (typeof json === 'string') return this.sendError(res, new MeshError('INVALID_ARGUMENT', `x-transmesh-json: ${json}`), requestId, true);
    this.inFlight.begin();
    // `close` comes whether the answer was sent or the caller went away mid-upload.
    const cancel = new CancelToken();
    let refused = false;
    const bodyTimer = this.bodyTimeouts.add(() => {
      refused = true;
      const err = new MeshError('DEADLINE_EXCEEDED', `the request body did not arrive within ${this.limits.bodyTimeoutMs} ms (TRANSMESH_BODY_TIMEOUT_MS)`);
      this.sendError(res, err, requestId, true, requestTimeoutStatus);
    });
    res.once('close', () => {
      bodyTimer.cancel();
      if (!res.writableFinished) cancel.cancel();
      this.inFlight.end();
    });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      if (refused) return;
      size += c.length;
      if (size <= limit) chunks.push(c);
      else {
        refused = true;
        bodyTimer.cancel();
        chunks.length = 0;
        this.refuseTooLarge(res, limit, requestId);
      }
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      bodyTimer.cancel();
      if (refused || cancel.cancelled) return;
      const bytes = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      // A Connect stream's body is envelopes (binary headers): connectStreamBody checks each message.
      if (!connect?.streamContentType && !isUtf8(bytes)) return this.sendError(res, new MeshError('INVALID_ARGUMENT', 'the body is not valid UTF-8'), requestId);
      let body: string;
      try {
        body = connect?.streamContentType ? connectStreamBody(bytes, limit) : bytes.toString('utf8');
      } catch (err) {
        return this.sendError(res, MeshError.from(err), requestId);
      }
      if (rest) {
        try {
          body = rest.request(body, (name) => header(req, name));
        } catch (err) {
          return this.sendError(res, MeshError.from(err), requestId);
        }
      }
      const call: OutboundCall = {
        service: rest ? rest.service : m![1],
        method: rest ? rest.method : m![2],
        body: connect?.body ?? body,
        requestId,
        caller: this.caller,
        int64AsNumber: json.int64AsNumber,
        shape: json.shape,
        timeoutHeader: connect ? connect.timeoutHeader : header(req, 'x-transmesh-timeout-ms'),
        noSideEffectsOnly: connect !== undefined && req.method === 'GET',
        metadata,
        headers: req.headers,
        cancel,
        startedAt: performance.now(),
        deadline: 0,
        route: undefined,
        policy: undefined,
      };
      if (connect?.streamContentType) {
        if (!this.streams) return this.sendError(res, new MeshError('UNIMPLEMENTED', 'streaming calls are not served by this listener'), requestId);
        return void writeConnectStream(this.streams.handler, call, res, connect.streamContentType, (err) => this.sendError(res, err, requestId)).catch((err: unknown) => this.log.error({ err, requestId }, 'could not write the stream'));
      }
      // A Connect caller's unary request never becomes NDJSON.
      if (!connect && this.streams?.isStreaming(call.service, call.method)) {
        const sse = /\btext\/event-stream\b/.test(header(req, 'accept') ?? '');
        return void writeJsonStream(this.streams.handler, call, res, sse, (err) => this.sendError(res, err, requestId)).catch((err: unknown) => this.log.error({ err, requestId }, 'could not write the stream'));
      }
      this.handler(call).then(
        (reply) => {
          if (res.destroyed) return;
          const answer = rest?.reply ? rest.reply(reply.json) : reply.json;
          const headers = connect ? connectReplyHeaders(reply, requestId) : this.replyHeaders(reply, answer, requestId);
          res.writeHead(200, headers);
          res.end(answer);
        },
        (err: unknown) => this.sendError(res, MeshError.from(err), requestId),
      ).catch((err: unknown) => this.log.error({ err, requestId }, 'could not write the answer'));
    });
  }

  /**
   * 413 (not 429: the same request can never succeed) and the connection closed, so the rest of
   * the upload is never read.
   */
  private refuseTooLarge(res: ServerResponse, limit: number, requestId: string): void {
    const err = new MeshError('RESOURCE_EXHAUSTED', `request body over ${limit} bytes (TRANSMESH_MAX_MESSAGE_BYTES)`);
    this.sendError(res, err, requestId, true, payloadTooLargeStatus);
  }

  /** The call's JSON output options: the app's, then `x-transmesh-int64`, then `x-transmesh-json`; a string names an unknown option. */
  private jsonOptionsOf(req: IncomingMessage): JsonOptions | string {
    let json = this.jsonDefaults;
    const int64 = header(req, 'x-transmesh-int64');
    if (int64 === 'number' || int64 === 'string') json = int64 === 'number' === json.int64AsNumber ? json : { ...json, int64AsNumber: int64 === 'number' };
    const opts = header(req, 'x-transmesh-json');
    return opts ? applyJsonOptions(opts, json) : json;
  }

  private replyHeaders(reply: OutboundReply, answer: string, requestId: string): Record<string, string | number> {
    const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer), 'x-request-id': requestId };
    for (const k in reply.metadata) headers[metadataPrefix + k] = reply.metadata[k];
    return headers;
  }

  private sendError(res: ServerResponse, err: MeshError, requestId: string, close = false, status = httpStatusOf(err.code)): void {
    if (err.code === 'INTERNAL' || err.code === 'UNKNOWN') this.log.warn({ err, requestId }, 'call failed');
    if (res.headersSent || res.destroyed) return;
    const req = res.req;
    const answer = isConnectRequest(req, req.url ?? '/') ? connectFailure(req, err, requestId) : meshFailure(err, requestId, status);
    if (close) answer.headers.connection = 'close';
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
    if (close) res.once('finish', () => this.lingeringClose(req.socket));
  }

  /**
   * After an early answer, node ends the connection (FIN) and destroys it once that is flushed;
   * bytes the client is still uploading would then meet a RST, which can wipe the answer from
   * the client's buffer before it reads it. As nginx's lingering close: the rest is discarded
   * (never buffered) up to maxMessageBytes or for a moment, and only then is the socket destroyed.
   */
  private lingeringClose(socket: Socket): void {
    if (socket.destroyed) return;
    socket.removeListener('finish', socket.destroy);
    let left = this.limits.maxMessageBytes;
    const timer = setTimeout(() => socket.destroy(), Math.min(2000, this.limits.bodyTimeoutMs));
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    socket.once('end', () => socket.destroy());
    socket.on('data', (d: Buffer) => {
      left -= d.length;
      if (left < 0) socket.destroy();
    });
    socket.resume();
  }
}

/** A failure in the mesh's own JSON envelope. */
function meshFailure(err: MeshError, requestId: string, status: number): { status: number; headers: Record<string, string | number>; body: string } {
  const body = errorBody(err, requestId);
  const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-request-id': requestId };
  if (err.metadata) for (const k in err.metadata) headers[metadataPrefix + k] = err.metadata[k];
  if (err.retryAfterSeconds !== undefined) headers['retry-after'] = err.retryAfterSeconds;
  return { status, headers, body };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The metadata to send on; throws INVALID_ARGUMENT for a name that is hop-by-hop or the mesh's own. */
function outgoingMetadata(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  const h = req.headers;
  if (h.traceparent) out.traceparent = String(h.traceparent);
  if (h.tracestate) out.tracestate = String(h.tracestate);
  for (const key in h) {
    if (key.length > metadataPrefix.length && key.startsWith(metadataPrefix)) {
      const name = key.slice(metadataPrefix.length);
      if (carriedApart.has(name)) continue;
      if (hopByHop.has(name) || !isUserMetadata(name) || name.startsWith('grpc-')) {
        throw new MeshError('INVALID_ARGUMENT', `${key}: "${name}" is a reserved or hop-by-hop header name and cannot be sent as metadata`);
      }
      const v = h[key];
      out[name] = Array.isArray(v) ? v.join(',') : String(v);
    }
  }
  return out;
}
