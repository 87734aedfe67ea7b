import { MeshError } from '../../errors/mesh-error';
import { parseJson } from '../../json/parse-json';
import { MessageQueue } from '../../transport/grpc/message-queue';
import type { StreamResponse, StreamStatus } from '../../transport/grpc/stream-response';
import type { Handler, OutboundCall } from './call';
import { providerError } from './provider-error';
import type { PeerStreamHandler } from './stream-call';

/** A JSON caller's streaming call: the body as sent (one JSON message, or NDJSON for client streaming). */
export type JsonStreamHandler = Handler<OutboundCall, StreamResponse>;

/**
 * Where JSON meets a stream (as convertLayer for unary calls): the request body, one JSON
 * message or for a client-streaming method NDJSON (one message a line), converted with the
 * method's compiled conversion into the request queue; the provider's stream comes back as
 * bytes, converted per message by `openJsonStream`. A bidi method needs a caller that can send
 * while it reads: UNIMPLEMENTED, naming gRPC and Connect.
 */
export function streamConvertLayer(peer: PeerStreamHandler): JsonStreamHandler {
  return async (call) => {
    const method = call.route!.method;
    if (method.clientStreaming && method.serverStreaming) {
      throw new MeshError('UNIMPLEMENTED', `${call.service}/${call.method} is a bidirectional streaming method, which HTTP/1.1 JSON cannot carry: call it with gRPC (HTTP/2 on this port) or Connect`);
    }
    const json = method.json;
    const requests = new MessageQueue(Infinity);
    const t = performance.now();
    const lines = method.clientStreaming ? call.body.split('\n').filter((l) => l.trim() !== '') : [call.body];
    lines.forEach((line, i) => {
      try {
        requests.push(Buffer.from(json.encodeRequest(line.trim() === '' ? {} : parseJson(line))(undefined)));
      } catch (err) {
        const e = MeshError.from(err);
        throw method.clientStreaming ? new MeshError(e.code, `line ${i + 1}: ${e.message}`) : e;
      }
    });
    requests.end();
    call.convertMs = performance.now() - t;
    const res = await peer({ call, path: method.path, contentType: json.contentType, headers: json.headers, payloadFor: noPayload, endpoint: undefined, pool: undefined, attempt: 1, tried: undefined, requests });
    if (res.status !== 0) throw providerError(res, res.detailsBin ? json.statusDetails(res.detailsBin) : []);
    return res;
  };
}

const noPayload = (): Uint8Array => {
  throw new MeshError('INTERNAL', 'a streaming call has no single payload');
};

/** A started JSON stream: the provider's metadata, its messages as JSON text, pulled one at a time, then how it ended. */
export interface JsonStream {
  readonly metadata: Record<string, string>;
  /** The next message as JSON, taken from the provider's stream only when asked (back-pressure); undefined at the end. */
  next(): Promise<string | undefined>;
  /** How the stream ended: undefined for OK, else the error the caller gets (after the messages). */
  end(): Promise<MeshError | undefined>;
  /** The provider's trailing metadata, once `end()` resolved (Connect puts it in its end-stream message). */
  readonly trailers: Readonly<Record<string, string>>;
}

/**
 * Runs a streaming call for a JSON caller (the HTTP listener's NDJSON and SSE, and a Connect
 * edge's streams): rejects with the call's error when it fails before its stream starts, else
 * gives the messages converted one by one as the reader asks for them, so a slow reader slows
 * the provider. A message that cannot be converted ends the stream with that error.
 */
export async function openJsonStream(handler: JsonStreamHandler, call: OutboundCall): Promise<JsonStream> {
  const res = await handler(call);
  const json = call.route!.method.json;
  let failed: MeshError | undefined;
  let trailers: Readonly<Record<string, string>> = {};
  return {
    metadata: res.metadata,
    get trailers() {
      return trailers;
    },
    async next() {
      if (failed) return undefined;
      const m = await res.messages.next();
      if (m === undefined) return undefined;
      try {
        return json.decodeReply({ payload: m, headers: res.headers, encoding: undefined }, call);
      } catch (err) {
        failed = MeshError.from(err);
        res.messages.discard();
        call.cancel.cancel();
        return undefined;
      }
    },
    async end() {
      const end: StreamStatus = await res.trailers;
      trailers = end.metadata;
      if (failed) return failed;
      if (end.status === 0) return undefined;
      return providerError({ ...end, headers: end.extraHeaders ?? {} }, end.detailsBin ? json.statusDetails(end.detailsBin) : []);
    },
  };
}
