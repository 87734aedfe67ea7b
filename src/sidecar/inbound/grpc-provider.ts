import type { OutgoingHttpHeaders } from 'node:http2';
import { MeshError } from '../../errors/mesh-error';
import { grpcStatusOf, PeerClient, PeerClientOptions } from '../../transport/peer/peer-client';
import { grpcTimeout } from '../../transport/grpc/grpc-frame';
import { collectMetadata, isUserMetadata } from '../../transport/grpc/metadata';
import type { InboundCall, Provider } from './provider';
import { errorReplyFor, InboundReply } from './peer-reply';

/**
 * Forwards a peer call to the local gRPC service as bytes: the message is never decoded here,
 * and the provider's status, message, details and metadata go back as they came.
 */
export class GrpcProvider implements Provider {
  readonly protocol = 'grpc' as const;
  readonly thriftProtocol = undefined;
  private readonly client: PeerClient;
  private readonly authority: string;

  constructor(
    readonly service: string,
    url: string,
    options?: PeerClientOptions,
  ) {
    this.authority = new URL(url).host;
    this.client = new PeerClient(options);
  }

  async call(call: InboundCall): Promise<InboundReply> {
    const headers: OutgoingHttpHeaders = {
      ':method': 'POST',
      ':path': call.path,
      'content-type': 'application/grpc',
      te: 'trailers',
      'grpc-timeout': grpcTimeout(call.deadline - Date.now()),
    };
    for (const key in call.headers) {
      if (isUserMetadata(key) || key === 'x-request-id') headers[key] = call.headers[key];
    }
    try {
      const raw = await this.client.exchange(this.authority, headers, call.body, call.deadline, call.cancel);
      const { status, message, detailsBin } = grpcStatusOf(raw);
      const metadata: Record<string, string> = {};
      collectMetadata(metadata, raw.headers);
      if (raw.trailers) collectMetadata(metadata, raw.trailers);
      return { status, message, detailsBin, metadata, framed: raw.body };
    } catch (err) {
      const e = MeshError.from(err);
      return errorReplyFor(e);
    }
  }

  close(): void {
    this.client.close();
  }
}
