import type { OutgoingHttpHeaders } from 'node:http2';
import type { MessageQueue } from '../../transport/grpc/message-queue';
import type { StreamResponse } from '../../transport/grpc/stream-response';
import type { CancelToken } from '../../timing/cancel-token';
import type { Handler, OutboundCall, PeerRequest } from './call';

/**
 * A streaming call (client, server or bidi) from the local app, next to the unary `OutboundCall`:
 * its body is the queue of request messages, unframed (the gRPC prefix is dropped at the edge and
 * written again by whichever transport sends them), which the caller's edge fills and pauses on
 * (back-pressure), and which ends at the caller's half-close.
 *
 * The answer is the provider's `StreamResponse` once its headers arrived (status 0): the messages
 * as a queue the edge reads at its own pace (a slow reader stops the provider), then `trailers`.
 * A failure before the headers rejects, as for a unary call; after them it is the trailers'
 * status. Call-level layers run once at the start (telemetry and trace record at the end, when
 * the trailers come); retries never apply; quota, balance and breaker do, once, and see the start.
 */
export type StreamCall = OutboundCall<MessageQueue>;
export type StreamCallHandler = Handler<StreamCall, StreamResponse>;

/** A streaming attempt below the call-level layers: the request queue instead of a payload. */
export interface PeerStreamRequest extends PeerRequest {
  readonly requests: MessageQueue;
}
export type PeerStreamHandler = Handler<PeerStreamRequest, StreamResponse>;

/** The peer hop's streaming call (mux stream frames, or HTTP/2): `MuxPeerClient.stream`, `H2Client.stream`. */
export interface StreamingPeers {
  stream(authority: string, headers: OutgoingHttpHeaders, requests: MessageQueue, deadline: number, cancel?: CancelToken): Promise<StreamResponse>;
}
