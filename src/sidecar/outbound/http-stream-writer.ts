import type { ServerResponse } from 'node:http';
import { MeshError } from '../../errors/mesh-error';
import { drained } from '../../transport/grpc/h2-stream';
import type { OutboundCall } from './call';
import { errorBody } from './http-status';
import { openJsonStream, type JsonStream, type JsonStreamHandler } from './json-stream';

/**
 * A streaming method's answer to an HTTP/1.1 JSON caller: NDJSON (`application/x-ndjson`, one
 * message a line, each written as it arrives), or Server-Sent Events when the caller accepts
 * `text/event-stream` (`data: <message>`). The status line waits for the first message, so an
 * error before it is the ordinary JSON error (`fail`); after it, the stream ends with the error
 * envelope as its last line (`event: error` in SSE). Each line is written only when the socket
 * took the last one, so a slow reader slows the provider.
 */
export async function writeJsonStream(handler: JsonStreamHandler, call: OutboundCall, res: ServerResponse, sse: boolean, fail: (err: MeshError) => void): Promise<void> {
  let stream;
  try {
    stream = await openJsonStream(handler, call);
  } catch (err) {
    return fail(MeshError.from(err));
  }
  // A client-streaming method answers one message: the ordinary JSON answer.
  if (!call.route!.method.serverStreaming) return writeSingle(stream, call, res, fail);
  let started = false;
  const start = () => {
    started = true;
    const headers: Record<string, string> = { 'content-type': sse ? 'text/event-stream' : 'application/x-ndjson', 'cache-control': 'no-cache', 'x-request-id': call.requestId };
    for (const k in stream.metadata) headers[`grpc-metadata-${k}`] = stream.metadata[k];
    res.writeHead(200, headers);
  };
  for (let m = await stream.next(); m !== undefined; m = await stream.next()) {
    if (res.destroyed) return;
    if (!started) start();
    if (!res.write(sse ? `data: ${m}\n\n` : `${m}\n`)) await drained(res);
  }
  const err = await stream.end();
  if (res.destroyed) return;
  if (!started) {
    if (err) return fail(err);
    start();
  } else if (err) res.write(sse ? `event: error\ndata: ${errorBody(err, call.requestId)}\n\n` : `${errorBody(err, call.requestId)}\n`);
  res.end();
}

async function writeSingle(stream: JsonStream, call: OutboundCall, res: ServerResponse, fail: (err: MeshError) => void): Promise<void> {
  const m = await stream.next();
  const err = (await stream.end()) ?? (m === undefined ? new MeshError('INTERNAL', 'the provider ended the call without an answer') : undefined);
  if (res.destroyed) return;
  if (err) return fail(err);
  const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(m!), 'x-request-id': call.requestId };
  for (const k in stream.metadata) headers[`grpc-metadata-${k}`] = stream.metadata[k];
  res.writeHead(200, headers);
  res.end(m);
}
