import type { MethodModel } from '../../idl/model';
import type { Endpoint, ServiceEntry } from '../../snapshot/snapshots';
import type { PeerResponse } from '../../transport/peer/peer-client';
import type { CancelToken } from '../../transport/peer/cancel-token';

/** One HTTP/JSON call from the local app, as the outbound layers see it. */
export interface OutboundCall {
  readonly service: string;
  readonly method: string;
  readonly body: string;
  readonly requestId: string;
  readonly caller: string;
  readonly int64AsNumber: boolean;
  /** `x-transmesh-timeout-ms` as sent, validated by the deadline layer. */
  readonly timeoutHeader: string | undefined;
  /** Headers that travel to the provider as they are: trace context and `grpc-metadata-*` keys. */
  readonly metadata: Record<string, string>;
  /** Cancelled when the app goes away before the answer. */
  readonly cancel: CancelToken;
  readonly startedAt: number;
  /** Absolute time (ms since epoch) the whole call must end by; set by the deadline layer. */
  deadline: number;
  /** Set by the route layer from the IDL snapshot taken when the call arrived. */
  route: { entry: ServiceEntry; method: MethodModel } | undefined;
  /** Filled in as the call goes, for its access-log record and span (issue 13). */
  provider?: string;
  attempts?: number;
  subset?: string;
  /** Milliseconds spent converting JSON ⇄ wire (request and response). */
  convertMs?: number;
}

export interface OutboundReply {
  /** The response message as JSON text. */
  readonly json: string;
  readonly metadata: Record<string, string>;
}

/** The call as bytes for a peer sidecar, below the conversion layer. */
export interface PeerRequest {
  readonly call: OutboundCall;
  readonly path: string;
  readonly contentType: string;
  readonly headers: Record<string, string>;
  /** The encoded message for an endpoint (Thrift encodes per the provider's protocol). */
  payloadFor(endpoint: Endpoint): Uint8Array;
  /** Set by the balancer: where the current attempt goes. */
  endpoint: Endpoint | undefined;
}

export type Handler<Req, Res> = (req: Req) => Promise<Res>;
/** A layer of the request path, composed once at start: `(next) => handler`. */
export type Layer<Req, Res> = (next: Handler<Req, Res>) => Handler<Req, Res>;

export type CallHandler = Handler<OutboundCall, OutboundReply>;
export type CallLayer = Layer<OutboundCall, OutboundReply>;
export type PeerHandler = Handler<PeerRequest, PeerResponse>;
export type PeerLayer = Layer<PeerRequest, PeerResponse>;

export function compose<Req, Res>(layers: ReadonlyArray<Layer<Req, Res>>, last: Handler<Req, Res>): Handler<Req, Res> {
  return layers.reduceRight<Handler<Req, Res>>((next, layer) => layer(next), last);
}
