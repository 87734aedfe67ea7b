import type { ServerResponse } from 'node:http';
import { isUtf8 } from 'node:buffer';
import { MeshError } from '../../errors/mesh-error';
import { drained } from '../../transport/grpc/h2-stream';
import type { OutboundCall } from './call';
import { EnvelopeFlags, EnvelopeReader, endStreamEnvelope, messageEnvelope } from './connect-envelope';
import { openJsonStream, type JsonStreamHandler } from './json-stream';

/**
 * A Connect streaming request's body (`application/connect+json`): its enveloped messages as the
 * JSON stream layer takes them, one message a line (a client-streaming method reads every line,
 * the others the one message). A newline inside JSON text can only be whitespace (strings escape
 * theirs), so it becomes a space and each message stays on its line.
 */
export function connectStreamBody(bytes: Buffer, maxMessageBytes: number): string {
  const reader = new EnvelopeReader(maxMessageBytes);
  const lines: string[] = [];
  for (const e of reader.push(bytes)) {
    if (e.flags & EnvelopeFlags.endStream) continue;
    if (!isUtf8(e.payload)) throw new MeshError('INVALID_ARGUMENT', `message ${lines.length + 1} is not valid UTF-8`);
    lines.push(e.payload.toString('utf8').replace(/[\r\n]/g, ' '));
  }
  reader.finish();
  if (lines.length === 0) throw new MeshError('INVALID_ARGUMENT', 'a Connect streaming request with no message');
  return lines.join('\n');
}

/**
 * A streaming method's answer to a Connect caller: 200 with the provider's response metadata as
 * headers once its stream starts, each message in an envelope as it arrives (written when the
 * socket took the last one, so a slow reader slows the provider), then the end-stream message
 * with the error, if any, and the provider's trailing metadata. A failure before the stream starts is `fail`'s (Connect's end-stream
 * answer, connect-request.ts).
 */
export async function writeConnectStream(handler: JsonStreamHandler, call: OutboundCall, res: ServerResponse, contentType: string, fail: (err: MeshError) => void): Promise<void> {
  let stream;
  try {
    stream = await openJsonStream(handler, call);
  } catch (err) {
    return fail(MeshError.from(err));
  }
  if (res.destroyed) return;
  res.writeHead(200, { ...stream.metadata, 'content-type': contentType, 'x-request-id': call.requestId });
  for (let m = await stream.next(); m !== undefined; m = await stream.next()) {
    if (res.destroyed) return;
    if (!res.write(messageEnvelope(m))) await drained(res);
  }
  const err = await stream.end();
  if (res.destroyed) return;
  // Connect carries a stream's trailing metadata in its end-stream message.
  res.end(endStreamEnvelope(err, Object.keys(stream.trailers).length ? { ...err?.metadata, ...stream.trailers } : undefined));
}
