import type { ServerHttp2Stream } from 'node:http2';
import { encodeGrpcMessage, frame } from '../../../adapters/grpc/grpc-frame';

/** The provider's answer, written back to the consumer sidecar as gRPC over HTTP/2. */
export interface InboundReply {
  readonly status: number;
  readonly message: string;
  readonly detailsBin: string | undefined;
  readonly metadata: Record<string, string>;
  readonly payload: Uint8Array;
  readonly extraHeaders?: Record<string, string>;
}

export function writeReply(stream: ServerHttp2Stream, r: InboundReply): void {
  if (stream.destroyed || stream.closed) return;
  const status: Record<string, string> = { 'grpc-status': String(r.status) };
  if (r.message) status['grpc-message'] = encodeGrpcMessage(r.message);
  if (r.detailsBin) status['grpc-status-details-bin'] = r.detailsBin;
  const headers = { ':status': 200, 'content-type': 'application/grpc', ...r.metadata, ...r.extraHeaders };
  if (r.status !== 0) {
    // Trailers-only: the status rides on the headers, as gRPC does for errors.
    stream.respond({ ...headers, ...status }, { endStream: true });
    return;
  }
  stream.respond(headers, { waitForTrailers: true });
  stream.once('wantTrailers', () => stream.sendTrailers(status));
  stream.end(frame(r.payload));
}

export function errorReply(status: number, message: string): InboundReply {
  return { status, message, detailsBin: undefined, metadata: {}, payload: new Uint8Array(0) };
}
