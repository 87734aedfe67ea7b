import type { ServerHttp2Stream } from 'node:http2';
import { MeshError } from '../../errors/mesh-error';
import { frame } from '../../transport/grpc/grpc-frame';
import { drained } from '../../transport/grpc/h2-stream';
import { MessageQueue } from '../../transport/grpc/message-queue';
import { readMessages } from '../../transport/grpc/message-splitter';
import { errorReplyFor, type InboundReply } from '../../protocol/provider';
import type { PeerCall, StreamOut } from '../inbound/peer-calls';
import { statusHeaders } from './peer-reply';

/**
 * A streaming call that came over the HTTP/2 peer hop: request messages split from the stream
 * into the queue the provider reads (the stream paused while it is full, so HTTP/2's flow control
 * stops the consumer), the provider's messages written as the consumer's window takes them.
 */
export function runH2PeerStream(stream: ServerHttp2Stream, call: PeerCall<ServerHttp2Stream>, maxMessageBytes: number): void {
  const requests = new MessageQueue();
  readMessages(stream, requests, maxMessageBytes, (err) => call.answer(errorReplyFor(MeshError.from(err)), true));
  const out: StreamOut = {
    start(metadata) {
      if (!stream.destroyed && !stream.closed) stream.respond({ ':status': 200, 'content-type': 'application/grpc', ...metadata }, { waitForTrailers: true });
    },
    async send(m) {
      if (stream.destroyed || stream.closed) return false;
      if (!stream.write(frame(m))) await drained(stream);
      return !stream.destroyed && !stream.closed;
    },
  };
  call.runStream(requests, out);
}

/** A stream's end after its headers: the status as trailers. */
export function endStream(stream: ServerHttp2Stream, reply: InboundReply): void {
  if (stream.destroyed || stream.closed) return;
  stream.once('wantTrailers', () => stream.sendTrailers(statusHeaders(reply, { ...reply.metadata, ...reply.extraHeaders })));
  stream.end();
}
