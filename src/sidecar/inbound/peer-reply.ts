import type { ServerHttp2Stream } from 'node:http2';
import { encodeGrpcMessage, frame } from '../../transport/grpc/grpc-frame';
import { Code } from '../../errors/codes';
import { PeerHeaders } from '../../transport/peer/peer-headers';
import { MeshError } from '../../errors/mesh-error';

/** The provider's answer, written back to the consumer sidecar as gRPC over HTTP/2 or in the mux framing. */
export interface InboundReply {
  readonly status: number;
  readonly message: string;
  readonly detailsBin: string | undefined;
  readonly metadata: Record<string, string>;
  /** The response message, or `framed`: the body exactly as the provider sent it. */
  readonly payload?: Uint8Array;
  readonly framed?: Buffer;
  readonly extraHeaders?: Record<string, string>;
}

const empty = new Uint8Array(0);

/** grpc-status, grpc-message and grpc-status-details-bin of an answer. */
function statusHeaders(r: InboundReply, into: Record<string, string>): Record<string, string> {
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

export function errorReply(status: number, message: string): InboundReply {
  return { status, message, detailsBin: undefined, metadata: {} };
}

/**
 * The answer for a failure on the provider side. One that provably never reached the service
 * (its connection was refused; this sidecar does not provide it) says so in
 * `x-transmesh-not-sent`, so the consumer may try another provider.
 */
export function errorReplyFor(err: MeshError): InboundReply {
  const reply = errorReply(Code[err.code], err.message);
  if (err.retryAfterSeconds !== undefined) return { ...reply, extraHeaders: { [PeerHeaders.retryAfter]: String(err.retryAfterSeconds) } };
  return err.retryable ? { ...reply, extraHeaders: notSentHeaders } : reply;
}

const notSentHeaders = { [PeerHeaders.notSent]: '1' };
