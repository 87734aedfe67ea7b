import { randomUUID } from 'node:crypto';
import http, { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MeshError } from '../../errors/mesh-error';
import { errorBody, httpStatusOf } from './http-status';
import type { Logger } from '../../log/logger';
import type { CallHandler, OutboundCall } from './call';
import { isUserMetadata } from '../../transport/grpc/metadata';
import { CancelToken } from '../../transport/peer/cancel-token';
import { InFlight } from '../in-flight';

const metadataPrefix = 'grpc-metadata-';
/** Headers the mesh carries itself; `grpc-metadata-*` cannot override them. */
const carriedApart = new Set(['x-request-id', 'traceparent', 'tracestate']);
const bodyLimit = 4 * 1024 * 1024;

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

  constructor(
    private readonly handler: CallHandler,
    private readonly caller: string,
    private readonly log: Logger,
  ) {
    this.server = http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => this.onRequest(req, res));
  }

  listen(host: string, port: number): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        const a = this.server.address() as AddressInfo;
        resolve(`http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`);
      });
    });
  }

  /** Stops accepting, closes idle keep-alive connections, and resolves once calls in flight are answered. */
  async close(): Promise<void> {
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    this.server.closeIdleConnections();
    await this.inFlight.idle();
    this.server.closeIdleConnections();
    await closed;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const requestId = header(req, 'x-request-id') || randomUUID();
    const url = req.url ?? '/';
    const m = /^\/([^/?]+)\/([^/?]+)(?:\?.*)?$/.exec(url);
    if (req.method !== 'POST' || !m) {
      req.resume();
      const err = req.method !== 'POST'
        ? new MeshError('UNIMPLEMENTED', `${req.method} is not supported: call POST /<service>/<method>`)
        : new MeshError('NOT_FOUND', `no route for ${url}: call POST /<service>/<method>`);
      return this.sendError(res, err, requestId);
    }
    this.inFlight.begin();
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > bodyLimit) refused = true;
      else chunks.push(c);
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      if (refused) {
        this.sendError(res, new MeshError('RESOURCE_EXHAUSTED', `request body over ${bodyLimit} bytes`), requestId);
        return this.inFlight.end();
      }
      const cancel = new CancelToken();
      res.once('close', () => {
        if (!res.writableFinished) cancel.cancel();
      });
      const call: OutboundCall = {
        service: m[1],
        method: m[2],
        body: chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8'),
        requestId,
        caller: this.caller,
        int64AsNumber: header(req, 'x-transmesh-int64') === 'number',
        timeoutHeader: header(req, 'x-transmesh-timeout-ms'),
        metadata: outgoingMetadata(req),
        headers: req.headers,
        cancel,
        startedAt: performance.now(),
        deadline: 0,
        route: undefined,
        policy: undefined,
      };
      this.handler(call).then(
        (reply) => {
          const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(reply.json), 'x-request-id': requestId };
          for (const k in reply.metadata) headers[metadataPrefix + k] = reply.metadata[k];
          res.writeHead(200, headers);
          res.end(reply.json);
          this.inFlight.end();
        },
        (err: unknown) => {
          this.sendError(res, MeshError.from(err), requestId);
          this.inFlight.end();
        },
      );
    });
  }

  private sendError(res: ServerResponse, err: MeshError, requestId: string): void {
    if (err.code === 'INTERNAL' || err.code === 'UNKNOWN') this.log.warn({ err, requestId }, 'call failed');
    const body = errorBody(err, requestId);
    const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-request-id': requestId };
    if (err.metadata) for (const k in err.metadata) headers[metadataPrefix + k] = err.metadata[k];
    if (res.headersSent || res.destroyed) return;
    res.writeHead(httpStatusOf(err.code), headers);
    res.end(body);
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function outgoingMetadata(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  const h = req.headers;
  if (h.traceparent) out.traceparent = String(h.traceparent);
  if (h.tracestate) out.tracestate = String(h.tracestate);
  for (const key in h) {
    if (key.length > metadataPrefix.length && key.startsWith(metadataPrefix)) {
      const name = key.slice(metadataPrefix.length);
      if (!isUserMetadata(name) || carriedApart.has(name)) continue;
      const v = h[key];
      out[name] = Array.isArray(v) ? v.join(',') : String(v);
    }
  }
  return out;
}
