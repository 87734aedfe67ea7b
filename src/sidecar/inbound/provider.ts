import type { IncomingHttpHeaders } from 'node:http2';
import type { InboundReply } from './peer-reply';
import type { CancelToken } from '../../transport/peer/cancel-token';
import type { MethodModel } from '../../idl/model';

/** One local service this sidecar fronts, as the inbound path calls it. */
export interface InboundCall {
  readonly service: string;
  readonly method: string;
  /** The method in this sidecar's IDL snapshot, if it is there (Thrift's oneway comes from it). */
  readonly model: MethodModel | undefined;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The body as the consumer sidecar sent it: one gRPC-framed message. */
  readonly body: Buffer;
  readonly deadline: number;
  readonly cancel: CancelToken;
}

export interface Provider {
  readonly service: string;
  readonly protocol: 'grpc' | 'thrift';
  /** For Thrift: the protocol announced to consumers, which encode arguments in it. */
  readonly thriftProtocol: 'binary' | 'compact' | undefined;
  call(call: InboundCall): Promise<InboundReply>;
  close(): void;
}
