import type { OutgoingHttpHeaders } from 'node:http2';
import { MeshError } from '../../src/errors/mesh-error';
import { grpcStatusOf, H2Client } from '../../src/transport/grpc/h2-client';
import { grpcTimeout } from '../../src/transport/grpc/grpc-frame';
import { noDeadlineMs } from '../../src/timing/timer-cap';
import { collectMetadata, isUserMetadata } from '../../src/transport/grpc/metadata';
import { errorReplyFor, type InboundCall, type InboundReply, type InboundStreamCall, type Provider, type ProviderOptions } from '../../src/protocol/provider';
import type { StreamResponse } from '../../src/transport/grpc/stream-response';
import { grpcContentType } from './grpc-model';
import { PeerHeaders } from '../../src/protocol/peer-headers';

/**
 * Forwards a peer call to the local gRPC service as bytes: the message is never decoded here,
 * and the provider's status, message, details and metadata go back as they came. Its client is
 * the HTTP/2 engine the peer hop also uses, with a session to this one service.
 */
export class GrpcProvider implements Provider {
  readonly protocol = 'grpc';
  readonly encoding = undefined;
  readonly rpcSystem = 'grpc';
  private readonly client: H2Client;
  private readonly authority: string;

  constructor(
    readonly service: string,
    url: string,
    options?: ProviderOptions,
  ) {
    this.authority = new URL(url).host;
    this.client = new H2Client(options);
  }

  async call(call: InboundCall): Promise<InboundReply> {
    try {
      const raw = await this.client.exchange(this.authority, serviceHeaders(call), call.body, call.deadline, call.cancel);
      const { status, message, detailsBin } = grpcStatusOf(raw);
      const metadata: Record<string, string> = {};
      collectMetadata(metadata, raw.headers);
      if (!raw.trailers) return { status, message, detailsBin, metadata, framed: raw.body };
      const trailers: Record<string, string> = {};
      collectMetadata(trailers, raw.trailers);
      Object.assign(metadata, trailers);
      const keys = Object.keys(trailers);
      return { status, message, detailsBin, metadata, framed: raw.body, extraHeaders: keys.length ? { [PeerHeaders.trailers]: keys.join(',') } : undefined };
    } catch (err) {
      return errorReplyFor(MeshError.from(err));
    }
  }

  /** A streaming call: one HTTP/2 stream to the service, flow-controlled both ways, messages untouched. */
  stream(call: InboundStreamCall): Promise<StreamResponse> {
    return this.client.stream(this.authority, serviceHeaders(call), call.requests, call.deadline, call.cancel);
  }

  close(): void {
    this.client.close();
  }
}

/** The request headers for the service: gRPC's, the deadline left, the caller's metadata and request id. */
function serviceHeaders(call: Omit<InboundCall, 'body'>): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {
    ':method': 'POST',
    ':path': call.path,
    'content-type': grpcContentType,
    te: 'trailers',
  };
  // A deadline at the timer cap is "none" (a caller that sent no timeout, a stream): no grpc-timeout.
  const left = call.deadline - Date.now();
  if (left < noDeadlineMs) headers['grpc-timeout'] = grpcTimeout(left);
  for (const key in call.headers) {
    if (isUserMetadata(key) || key === 'x-request-id') headers[key] = call.headers[key];
  }
  return headers;
}
