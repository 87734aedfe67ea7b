import type { Readable } from 'node:stream';
import { MeshError } from '../../errors/mesh-error';
import type { MessageQueue } from './message-queue';

/**
 * Splits a gRPC stream body into messages as it arrives: each is checked against `limit` from its
 * 5-byte prefix, before it is buffered, and compressed ones are refused (the mesh advertises
 * identity only). Holds at most one partial message.
 */
export class MessageSplitter {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly limit: number) {}

  /** True while a message is half-received. */
  get partial(): boolean {
    return this.pending.length > 0;
  }

  /** Calls `each` for every whole message in what has arrived; throws a MeshError on a refused one. */
  push(chunk: Buffer, each: (message: Buffer) => void): void {
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (buf.length >= 5) {
      const len = buf.readUInt32BE(1);
      if (len > this.limit) throw new MeshError('RESOURCE_EXHAUSTED', `message of ${len} bytes is over the ${this.limit}-byte limit (TRANSMESH_MAX_MESSAGE_BYTES)`);
      if (buf[0] !== 0) throw new MeshError('UNIMPLEMENTED', 'compressed messages are not accepted (grpc-accept-encoding: identity)');
      if (buf.length < 5 + len) break;
      const message = buf.subarray(5, 5 + len);
      buf = buf.subarray(5 + len);
      each(message);
    }
    this.pending = buf;
  }
}

/**
 * Feeds a server-side HTTP/2 stream's request messages into `requests`, pausing the stream while
 * the queue is full (HTTP/2's flow control then stops the sender) and resuming as its reader takes
 * them; the stream's end ends the queue. A refused message fails the queue and is passed to `refused`.
 */
export function readMessages(stream: Readable, requests: MessageQueue, maxMessageBytes: number, refused: (err: unknown) => void = () => undefined): void {
  const splitter = new MessageSplitter(maxMessageBytes);
  requests.onTake = () => {
    if (requests.bytes < requests.highWaterBytes && stream.isPaused()) stream.resume();
  };
  stream.on('data', (c: Buffer) => {
    if (requests.done) return;
    try {
      splitter.push(c, (m) => {
        if (!requests.push(m)) stream.pause();
      });
    } catch (err) {
      requests.fail(err);
      refused(err);
    }
  });
  stream.once('end', () => (splitter.partial ? requests.fail(new MeshError('INTERNAL', 'the last request message was cut short')) : requests.end()));
}
