import { MeshError } from '../../src/errors/mesh-error';
import { errorReplyFor, type InboundCall, type InboundReply, type Provider, type ProviderOptions } from '../../src/protocol/provider';
import { unframe } from '../../src/transport/grpc/grpc-frame';
import { isOneStruct, parseThriftUrl, ThriftUpstream } from './transport';
import { ThriftHeaders, type ThriftProtocolName } from './thrift-model';

/**
 * Writes a peer call to the local Thrift service: the consumer already encoded the argument
 * struct in this provider's protocol, so only the message envelope is added here.
 */
export class ThriftProvider implements Provider {
  readonly protocol = 'thrift';
  readonly rpcSystem = 'apache_thrift';
  readonly encoding: ThriftProtocolName;
  private readonly upstream: ThriftUpstream;

  constructor(
    readonly service: string,
    url: string,
    options?: Pick<ProviderOptions, 'maxMessageBytes'>,
  ) {
    const parsed = parseThriftUrl(url);
    this.encoding = parsed.protocol;
    this.upstream = new ThriftUpstream(parsed, { maxMessageBytes: options?.maxMessageBytes });
  }

  async call(call: InboundCall): Promise<InboundReply> {
    try {
      // Oneway is the IDL's word, not a peer's: a two-way call sent as oneway would leave its
      // reply on the pooled connection for the next caller. A method this sidecar's snapshot does
      // not know yet (a push still on its way) is sent nowhere, and may be retried elsewhere.
      const model = call.model;
      if (!model) {
        throw new MeshError('UNAVAILABLE', `${call.service}/${call.method} is not in this sidecar's IDL snapshot`, { retryable: true });
      }
      const args = unframe([call.body]);
      if (!isOneStruct(this.encoding, args)) throw new MeshError('INVALID_ARGUMENT', `the arguments of ${call.method} are not exactly one ${this.encoding} struct`);
      const res = await this.upstream.call(call.method, model.oneway, args, call.deadline, call.cancel);
      return { status: 0, message: '', detailsBin: undefined, metadata: {}, payload: res.body, extraHeaders: { [ThriftHeaders.kind]: res.kind } };
    } catch (err) {
      return errorReplyFor(MeshError.from(err));
    }
  }

  close(): void {
    this.upstream.close();
  }
}
