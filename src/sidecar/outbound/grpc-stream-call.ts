import type { ServerHttp2Stream } from 'node:http2';
import { MeshError } from '../../errors/mesh-error';
import type { Logger } from '../../log/logger';
import { frame } from '../../transport/grpc/grpc-frame';
import { drained } from '../../transport/grpc/h2-stream';
import { readMessages } from '../../transport/grpc/message-splitter';
import type { StreamResponse, StreamStatus } from '../../transport/grpc/stream-response';
import { grpcErrorTrailers } from './grpc-status';
import { providerError } from './provider-error';
import type { StreamCall, StreamCallHandler } from './stream-call';

/**
 * A native gRPC caller's streaming call (client, server or bidi) on the app listener: the
 * caller's messages are split from its stream as they arrive (each checked against the size
 * limit from its prefix) into the call's request queue, which pauses the stream when the
 * provider side falls behind, so HTTP/2's flow control stops the caller; the provider's
 * messages are written as the caller's HTTP/2 window takes them, so a slow caller stops the
 * provider. The caller's half-close ends the request queue; its RST_STREAM cancels the call.
 * Errors before the first message are trailers-only, after it the trailers' status.
 */
export function runNativeStream(stream: ServerHttp2Stream, call: StreamCall, handler: StreamCallHandler, maxMessageBytes: number, log: Logger): void {
  const requests = call.body;
  let finished = false;
  // A refused message fails the queue: the transport reads the failure and cancels the provider's call with it.
  readMessages(stream, requests, maxMessageBytes);
  stream.once('close', () => {
    if (!finished) call.cancel.cancel();
    finished = true;
  });
  const fail = (err: unknown) => {
    const e = MeshError.from(err);
    if (e.code === 'INTERNAL' || e.code === 'UNKNOWN') log.warn({ err: e, requestId: call.requestId }, 'gRPC stream failed');
    if (stream.destroyed || stream.closed) return;
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-accept-encoding': 'identity', 'x-request-id': call.requestId, ...grpcErrorTrailers(e) }, { endStream: true });
  };
  handler(call).then(
    (res) => answer(stream, call.requestId, res).finally(() => (finished = true)),
    (err: unknown) => {
      finished = true;
      requests.discard();
      fail(err);
    },
  );
}

/** Headers, then each message as the caller's window takes it, then the trailers. */
async function answer(stream: ServerHttp2Stream, requestId: string, res: StreamResponse): Promise<void> {
  if (stream.destroyed || stream.closed) return res.messages.discard();
  stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-accept-encoding': 'identity', 'x-request-id': requestId, ...res.metadata }, { waitForTrailers: true });
  for (let m = await res.messages.next(); m !== undefined; m = await res.messages.next()) {
    if (stream.destroyed || stream.closed) return res.messages.discard();
    if (!stream.write(frame(m))) await drained(stream);
  }
  const end = await res.trailers;
  if (stream.destroyed || stream.closed) return;
  stream.once('wantTrailers', () => stream.sendTrailers(endTrailers(end)));
  stream.end();
}

/** The trailers of a stream's end as the caller gets them: OK with the provider's trailing metadata, or its error. */
function endTrailers(end: StreamStatus): Record<string, string> {
  if (end.status === 0) return { ...end.metadata, 'grpc-status': '0' };
  return grpcErrorTrailers(providerError({ ...end, headers: end.extraHeaders ?? {} }, []));
}
