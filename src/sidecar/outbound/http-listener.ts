import { randomUUID } from 'node:crypto';
import Fastify, { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MeshError } from '../../errors/mesh-error';
import { errorBody, httpStatusOf } from '../../errors/http-status';
import type { Logger } from '../../log/logger';
import type { CallHandler, OutboundCall } from './call';
import { isUserMetadata } from '../../../adapters/grpc/metadata';
import { CancelToken } from '../../../adapters/grpc/cancel-token';

const metadataPrefix = 'grpc-metadata-';

/**
 * The app-facing HTTP/1.1 listener: `POST /<service>/<method>` with a JSON body. It turns the
 * request into an OutboundCall, runs the stack, and writes the reply or the JSON error; this
 * is the one place errors become HTTP statuses.
 */
export function createHttpListener(handler: CallHandler, caller: string, log: Logger): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 4 * 1024 * 1024, return503OnClosing: true });
  // The body stays text: the converter parses it itself, keeping 64-bit integers exact.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.post('/:service/:method', async (req: FastifyRequest<{ Params: { service: string; method: string } }>, reply) => {
    const requestId = headerOf(req, 'x-request-id') || randomUUID();
    const cancel = new CancelToken();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) cancel.cancel();
    });
    const call: OutboundCall = {
      service: req.params.service,
      method: req.params.method,
      body: typeof req.body === 'string' ? req.body : '',
      requestId,
      caller,
      int64AsNumber: headerOf(req, 'x-transmesh-int64') === 'number',
      timeoutHeader: headerOf(req, 'x-transmesh-timeout-ms'),
      metadata: outgoingMetadata(req),
      cancel,
      startedAt: performance.now(),
      deadline: 0,
      route: undefined,
    };
    try {
      const res = await handler(call);
      writeMetadata(reply, res.metadata);
      return reply.code(200).header('content-type', 'application/json').header('x-request-id', requestId).send(res.json);
    } catch (err) {
      return sendError(reply, MeshError.from(err), requestId, log);
    }
  });

  app.setNotFoundHandler((req, reply) => {
    const requestId = headerOf(req, 'x-request-id') || randomUUID();
    const err = req.method === 'POST'
      ? new MeshError('NOT_FOUND', `no route for ${req.url}: call POST /<service>/<method>`)
      : new MeshError('UNIMPLEMENTED', `${req.method} is not supported: call POST /<service>/<method>`);
    return sendError(reply, err, requestId, log);
  });
  app.setErrorHandler((error: { statusCode?: number; message: string }, req, reply) => {
    const requestId = headerOf(req, 'x-request-id') || randomUUID();
    const code = error.statusCode === 413 ? 'RESOURCE_EXHAUSTED' : error.statusCode && error.statusCode < 500 ? 'INVALID_ARGUMENT' : 'INTERNAL';
    return sendError(reply, new MeshError(code, error.message), requestId, log);
  });
  return app;
}

function sendError(reply: FastifyReply, err: MeshError, requestId: string, log: Logger) {
  if (err.code === 'INTERNAL' || err.code === 'UNKNOWN') log.warn({ err, requestId }, 'call failed');
  if (err.metadata) writeMetadata(reply, err.metadata);
  return reply.code(httpStatusOf(err.code)).header('content-type', 'application/json').header('x-request-id', requestId).send(errorBody(err, requestId));
}

function headerOf(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function outgoingMetadata(req: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  const h = req.headers;
  if (h.traceparent) out.traceparent = String(h.traceparent);
  if (h.tracestate) out.tracestate = String(h.tracestate);
  for (const key in h) {
    if (key.length > metadataPrefix.length && key.startsWith(metadataPrefix)) {
      const name = key.slice(metadataPrefix.length);
      if (!isUserMetadata(name)) continue;
      const v = h[key];
      out[name] = Array.isArray(v) ? v.join(',') : String(v);
    }
  }
  return out;
}

function writeMetadata(reply: FastifyReply, metadata: Record<string, string>): void {
  for (const key in metadata) reply.header(metadataPrefix + key, metadata[key]);
}
