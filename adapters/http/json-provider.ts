import { MeshError } from '../../src/errors/mesh-error';
import { errorReplyFor, type InboundCall, type InboundReply, type Provider } from '../../src/protocol/provider';
import { unframe } from '../../src/transport/grpc/grpc-frame';
import { replyOfAnswer } from './json-answer';

/** What carried an HTTP/JSON provider's answer back: its status, body and response metadata. */
export interface JsonAnswer {
  readonly status: number;
  readonly body: string;
  readonly metadata: Record<string, string>;
}

/**
 * A provider that speaks JSON, whatever carries it (HTTP, FastCGI): the consumer's request out as
 * JSON with the method's provider conversion, the answer read by `replyOfAnswer`. Subclasses
 * only move the bytes.
 */
export abstract class JsonProvider implements Provider {
  readonly protocol = 'http';
  readonly encoding = undefined;
  readonly rpcSystem = 'http_json';

  constructor(
    readonly service: string,
    private readonly int64AsNumber: boolean,
  ) {}

  async call(call: InboundCall): Promise<InboundReply> {
    try {
      const model = call.model;
      if (!model) throw new MeshError('UNAVAILABLE', `${call.service}/${call.method} is not in this sidecar's IDL snapshot`, { retryable: true });
      const body = Buffer.from(model.provider.decodeRequest(unframe([call.body]), undefined, { int64AsNumber: this.int64AsNumber }));
      const remaining = call.deadline - Date.now();
      if (remaining <= 0) throw new MeshError('DEADLINE_EXCEEDED', 'deadline exceeded before the call was sent');
      const answer = await this.exchange(call, body, remaining);
      return replyOfAnswer(model, answer.status, answer.body, answer.metadata);
    } catch (err) {
      return errorReplyFor(MeshError.from(err));
    }
  }

  /** Sends `body` (the request as JSON) for `call`, with `remainingMs` of its deadline left. */
  protected abstract exchange(call: InboundCall, body: Buffer, remainingMs: number): Promise<JsonAnswer>;

  abstract close(): void;
}
