import type { MethodModel } from '../../idl/model';
import type { Endpoint, ServiceEntry } from '../../snapshot/snapshots';
import type { PeerResponse } from '../../transport/grpc/h2-client';
import type { CancelToken } from '../../timing/cancel-token';
import type { MethodPolicy, ServicePolicy } from '../../policy/service-policy';

/** The app's request headers as node:http gives them (lower-case names). */
export type AppHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** The policy a call runs under, taken once when it arrives, so a policy change never alters a call in flight. */
export interface CallPolicy {
  /** The service's policy; undefined when it has none. */
  readonly service: ServicePolicy | undefined;
  /** The method's effective settings (its own, else `defaults`, else the mesh defaults). */
  readonly method: MethodPolicy;
  /** Set by the subset layer: the subset the call was routed to; undefined = every provider. */
  subset: { readonly name: string; readonly labels: ReadonlyArray<readonly [string, string]> } | undefined;
}

/**
 * One call from the local app, as the outbound layers see it: `B` is what the app sent, JSON
 * text from an HTTP/JSON caller, the message's bytes as they are from a native gRPC caller. Only
 * the last layer (convert or pass-through) reads it.
 */
export interface OutboundCall<B = string> {
  readonly service: string;
  readonly method: string;
  readonly body: B;
  readonly requestId: string;
  readonly caller: string;
  readonly int64AsNumber: boolean;
  /** The JSON shape bits (`JsonShape`) the caller asked for, with the app's `--json` defaults (none when absent). */
  readonly shape?: number;
  /** `x-transmesh-timeout-ms` as sent (a gRPC caller's `grpc-timeout` in whole ms), validated by the deadline layer. */
  readonly timeoutHeader: string | undefined;
  /** A Connect GET: only a method the IDL marks NO_SIDE_EFFECTS may be called this way. */
  readonly noSideEffectsOnly?: boolean;
  /** Headers that travel to the provider as they are: trace context and `grpc-metadata-*` keys. */
  readonly metadata: Record<string, string>;
  /** Every header the app sent, for policy matches and `hash:<header>` balancing. */
  readonly headers: AppHeaders;
  /** Cancelled when the app goes away before the answer. */
  readonly cancel: CancelToken;
  readonly startedAt: number;
  /** Absolute time (ms since epoch) the whole call must end by; set by the deadline layer. */
  deadline: number;
  /** Set by the route layer from the IDL snapshot taken when the call arrived. */
  route: { entry: ServiceEntry; method: MethodModel } | undefined;
  /** Set by the route layer from the policy snapshot taken when the call arrived. */
  policy: CallPolicy | undefined;
  /** Filled in as the call goes, for its access-log record and span. */
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
  /** Keys of `metadata` the service sent as trailers (a Connect caller gets them as `trailer-<name>`). */
  readonly trailerKeys?: readonly string[];
}

/** A native gRPC call's answer: the provider's message as it came, unframed. */
export interface NativeReply {
  readonly message: Buffer;
  readonly metadata: Record<string, string>;
  /** Keys of `metadata` the service sent as trailers, which the caller gets as trailers. */
  readonly trailerKeys?: readonly string[];
}

/** The call as bytes for a peer sidecar, below the conversion layer. */
export interface PeerRequest {
  readonly call: OutboundCall<unknown>;
  readonly path: string;
  readonly contentType: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The encoded message for an endpoint (Thrift encodes per the provider's protocol). */
  payloadFor(endpoint: Endpoint): Uint8Array;
  /** Set by the balancer: where the current attempt goes. */
  endpoint: Endpoint | undefined;
  /** Set by the balancer: the providers the current attempt chose among (the breaker caps ejections per pool). */
  pool: readonly Endpoint[] | undefined;
  /** 1 for the first attempt; the retry layer counts up, and the peer hop carries it (x-transmesh-attempt). */
  attempt: number;
  /** Addresses earlier attempts went to, which the balancer avoids while others are left; undefined on a first attempt. */
  tried: string[] | undefined;
}

export type Handler<Req, Res> = (req: Req) => Promise<Res>;
/** A layer of the request path, composed once at start: `(next) => handler`. */
export type Layer<Req, Res> = (next: Handler<Req, Res>) => Handler<Req, Res>;

export type CallHandler = Handler<OutboundCall, OutboundReply>;
/** A native gRPC caller's request path: the message in, the provider's message out, both as bytes. */
export type NativeCallHandler = Handler<OutboundCall<Buffer>, NativeReply>;
/**
 * A call-level layer: it never reads the body or the answer, so one layer serves JSON and
 * native gRPC callers alike, composed once into each stack.
 */
export type CallLayer = <B, R>(next: Handler<OutboundCall<B>, R>) => Handler<OutboundCall<B>, R>;
export type PeerHandler = Handler<PeerRequest, PeerResponse>;
export type PeerLayer = Layer<PeerRequest, PeerResponse>;
/**
 * A peer-level layer that unary and streaming attempts both go through (stream-call.ts): one
 * instance in both stacks, so the breaker and the load estimates see every call.
 */
export type AttemptLayer = <Req extends PeerRequest, Res extends { readonly status: number }>(next: Handler<Req, Res>) => Handler<Req, Res>;

export function compose<Req, Res>(layers: ReadonlyArray<Layer<Req, Res>>, last: Handler<Req, Res>): Handler<Req, Res> {
  return layers.reduceRight<Handler<Req, Res>>((next, layer) => layer(next), last);
}
