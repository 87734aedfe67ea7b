import type { IncomingHttpHeaders } from 'node:http2';
import type { MessageQueue } from './message-queue';

/** How a stream ended: the gRPC status and the trailing metadata. */
export interface StreamStatus {
  readonly status: number;
  readonly message: string;
  readonly detailsBin: string | undefined;
  readonly metadata: Record<string, string>;
  /** The mesh's own end headers (x-transmesh-not-sent, x-transmesh-retry-after), when any. */
  readonly extraHeaders?: Record<string, string>;
}

/**
 * A streaming call's answer as it starts: when the provider's headers arrive (`status` 0), or its
 * refusal before any message (trailers-only: `status` is the error, `messages` already ended).
 * `messages` are unframed and end when the stream does; `trailers` resolves after the last one,
 * never rejects: a stream cut short ends with the status that says why.
 */
export interface StreamResponse {
  readonly status: number;
  readonly message: string;
  readonly detailsBin: string | undefined;
  /** The response headers' metadata (and, trailers-only, the trailers'). */
  readonly metadata: Record<string, string>;
  readonly headers: IncomingHttpHeaders;
  readonly messages: MessageQueue;
  readonly trailers: Promise<StreamStatus>;
}
