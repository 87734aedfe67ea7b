import { MeshError } from '../../errors/mesh-error';
import { parseThriftUrl, ThriftUpstream } from '../../transport/thrift';
import type { InboundCall, Provider } from './provider';
import { unframe } from '../../transport/grpc/grpc-frame';
import { PeerHeaders } from '../../transport/peer/peer-headers';
import { errorReplyFor, InboundReply } from './peer-reply';

/**
 * Writes a peer call to the local Thrift service: the consumer already encoded the argument
 * struct in this provider's protocol, so only the message envelope is added here.
 */
export class ThriftProvider implements Provider {
  readonly protocol = 'thrift' as const;
  readonly thriftProtocol: 'binary' | 'compact';
  private readonly upstream: ThriftUpstream;

  constructor(
    readonly service: string,
    url: string,
  ) {
    const parsed = parseThriftUrl(url);
    this.thriftProtocol = parsed.protocol;
    this.upstream = new ThriftUpstream(parsed);
  }

  async call(call: InboundCall): Promise<InboundReply> {
    const oneway = call.headers[PeerHeaders.thriftOneway] === '1';
    try {
      const res = await this.upstream.call(call.method, oneway, unframe([call.body]), call.deadline);
      return { status: 0, message: '', detailsBin: undefined, metadata: {}, payload: res.body, extraHeaders: { [PeerHeaders.thriftKind]: res.kind } };
    } catch (err) {
      const e = MeshError.from(err);
      return errorReplyFor(e);
    }
  }

  close(): void {
    this.upstream.close();
  }
}
