import type { IncomingHttpHeaders } from 'node:http2';
import type { CancelToken } from '../timing/cancel-token';
import type { MethodModel } from '../idl/model';
import { Code } from '../errors/codes';
import type { MeshError } from '../errors/mesh-error';
import { PeerHeaders } from './peer-headers';
import type { MessageQueue } from '../transport/grpc/message-queue';
import type { StreamResponse } from '../transport/grpc/stream-response';

/** One call from a consumer sidecar, as the provider sidecar hands it to its local service. */
export interface InboundCall {
  readonly service: string;
  readonly method: string;
  /** The calling app, as its certificate proves where the mesh has a CA. */
  readonly caller: string;
  /** The method in this sidecar's IDL snapshot, if it is there (Thrift's oneway comes from it). */
  readonly model: MethodModel | undefined;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The body as the consumer sidecar sent it: one gRPC-framed message. */
  readonly body: Buffer;
  readonly deadline: number;
  readonly cancel: CancelToken;
}

/** A streaming call (client, server or bidi) from a consumer sidecar: the request messages as they come, unframed. */
export interface InboundStreamCall extends Omit<InboundCall, 'body'> {
  /** Ends at the consumer's half-close; the provider takes them as fast as its service does. */
  readonly requests: MessageQueue;
}

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

/** One local service this sidecar fronts, as the inbound path calls it; an adapter builds it from `--provide SVC=URL`. */
export interface Provider {
  readonly service: string;
  /** The adapter's name (`grpc`, `thrift`): announced in discovery so consumers call it only for services of that protocol. */
  readonly protocol: string;
  /** The wire variant announced to consumers, which encode requests in it (Thrift: `binary` | `compact`). */
  readonly encoding: string | undefined;
  /** OpenTelemetry's `rpc.system` of the inbound span. */
  readonly rpcSystem: string;
  call(call: InboundCall): Promise<InboundReply>;
  /** Streaming methods; a provider without it answers them UNIMPLEMENTED. */
  stream?(call: InboundStreamCall): Promise<StreamResponse>;
  close(): void;
}

/** What a provider's client may use of the sidecar's limits. */
export interface ProviderOptions {
  /** Largest message either way, checked from its length prefix before it is buffered. */
  readonly maxMessageBytes: number;
  /** Keepalive PING interval on long-lived connections. */
  readonly pingIntervalMs: number;
  /** A connection idle this long is closed. */
  readonly idleTimeoutMs: number;
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
