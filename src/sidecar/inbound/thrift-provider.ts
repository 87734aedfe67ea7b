import { MeshError } from '../../errors/mesh-error';
import { isOneStruct, parseThriftUrl, ThriftUpstream } from '../../transport/thrift';
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
    maxMessageBytes?: number,
  ) {
    const parsed = parseThriftUrl(url);
    this.thriftProtocol = parsed.protocol;
    this.upstream = new ThriftUpstream(parsed, { maxMessageBytes });
  }

  async call(call: InboundCall): Promise<InboundReply> {
    try {
      // Oneway is the IDL's word, not a peer's: a two-way call sent as oneway would leave its
      // reply on the pooled connection for the next caller. A method this sidecar's snapshot does
      // not know yet (a push still on its way) is sent nowhere, and may be retried elsewhere.
      const model = call.model;
      if (!model || model.kind !== 'thrift') {
        throw new MeshError('UNAVAILABLE', `${call.service}/${call.method} is not in this sidecar's IDL snapshot`, { retryable: true });
      }
      const args = unframe([call.body]);
      if (!isOneStruct(this.thriftProtocol, args)) throw new MeshError('INVALID_ARGUMENT', `the arguments of ${call.method} are not exactly one ${this.thriftProtocol} struct`);
      const res = await this.upstream.call(call.method, model.oneway, args, call.deadline, call.cancel);
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
