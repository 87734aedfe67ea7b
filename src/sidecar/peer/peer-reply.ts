import type { ServerHttp2Stream } from 'node:http2';
import { encodeGrpcMessage, frame } from '../../transport/grpc/grpc-frame';
import type { InboundReply } from '../../protocol/provider';

const empty = new Uint8Array(0);

/** grpc-status, grpc-message and grpc-status-details-bin of an answer. */
export function statusHeaders(r: InboundReply, into: Record<string, string>): Record<string, string> {
  into['grpc-status'] = String(r.status);
  if (r.message) into['grpc-message'] = encodeGrpcMessage(r.message);
  if (r.detailsBin) into['grpc-status-details-bin'] = r.detailsBin;
  return into;
}

/** Every header of an answer in one record: the mux framing has no trailers, the status rides with the metadata. */
export function replyHeaders(r: InboundReply): Record<string, string> {
  return statusHeaders(r, { ...r.metadata, ...r.extraHeaders });
}

export function writeReply(stream: ServerHttp2Stream, r: InboundReply): void {
  if (stream.destroyed || stream.closed) return;
  const status = statusHeaders(r, {});
  const headers = { ':status': 200, 'content-type': 'application/grpc', ...r.metadata, ...r.extraHeaders };
  if (r.status !== 0) {
    // Trailers-only: the status rides on the headers, as gRPC does for errors.
    stream.respond({ ...headers, ...status }, { endStream: true });
    return;
  }
  stream.respond(headers, { waitForTrailers: true });
  stream.once('wantTrailers', () => stream.sendTrailers(status));
  stream.end(r.framed ?? frame(r.payload ?? empty));
}
