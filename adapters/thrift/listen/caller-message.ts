import { MeshError } from '../../../src/errors/mesh-error';
import type { MethodModel, PeerAnswer } from '../../../src/idl/model';
import type { CallerMessage } from '../../../src/protocol/native-callers';
import { isThriftProtocol, ThriftHeaders, type ThriftMethod, type ThriftProtocolName } from '../thrift-model';
import { newReader } from '../codec/protocols';
import { T } from '../codec/wire-types';
import { applicationExceptionToError } from '../codec/application-exception';
import { encodeEnvelope, MessageType } from '../transport/envelope';
import { encodeApplicationException } from './application-error';
import { transcodeStruct } from './transcode';
import type { ThriftWire } from './wire-detect';

/**
 * One call of a native Thrift caller: its argument struct as the caller wrote it, passed to a
 * provider of the same protocol untouched and converted for the other (an HTTP/JSON provider
 * counts as binary: its sidecar converts binary to JSON). Answers go back in the caller's wire
 * with its seqid, named by the method alone as Apache's multiplexed servers answer.
 */
export class ThriftCallerMessage implements CallerMessage {
  private readonly payloads: Partial<Record<ThriftProtocolName, Buffer>> = {};
  answered: Buffer | undefined;

  constructor(
    private readonly wire: ThriftWire,
    readonly service: string,
    readonly method: string,
    private readonly seqid: number,
    readonly oneway: boolean,
    private readonly args: Buffer,
    readonly refused: MeshError | undefined = undefined,
  ) {
    this.payloads[wire.protocol] = args;
  }

  payloadFor(encoding: string | undefined): Uint8Array {
    const to = protocolOf(encoding);
    return (this.payloads[to] ??= converted(() => transcodeStruct(this.args, this.wire.protocol, to), `the arguments of ${this.method}`));
  }

  reply(answer: PeerAnswer, method: MethodModel): Buffer {
    const from = protocolOf(answer.encoding);
    if (answer.headers[ThriftHeaders.kind] === 'exception') throw applicationExceptionToError(answer.payload, from);
    const result = converted(() => transcodeStruct(answer.payload, from, this.wire.protocol), `the reply of ${this.method}`, 'INTERNAL');
    const bytes = this.message(MessageType.REPLY, result);
    // A declared exception is a field of the result struct: it passes as the provider sent it,
    // and the call counts with the code a JSON caller's would (decoded only then, to know it).
    if (converted(() => firstFieldId(answer.payload, from), `the reply of ${this.method}`, 'INTERNAL') > 0) {
      this.answered = bytes;
      (method as ThriftMethod).decodeResult(answer.payload, from, { int64AsNumber: false });
      this.answered = undefined;
    }
    return bytes;
  }

  error(err: MeshError): Buffer {
    return this.message(MessageType.EXCEPTION, encodeApplicationException(err, this.wire.protocol));
  }

  private message(type: number, struct: Buffer): Buffer {
    return writeMessage(this.wire, this.method, type, this.seqid, struct);
  }
}

/** A whole message in `wire`: the envelope, the struct, and the frame length when framed. */
export function writeMessage(wire: ThriftWire, name: string, type: number, seqid: number, struct: Buffer): Buffer {
  const envelope = encodeEnvelope(wire.protocol, name, type, seqid);
  if (wire.transport !== 'framed') return Buffer.concat([envelope, struct]);
  const size = Buffer.allocUnsafe(4);
  size.writeUInt32BE(envelope.length + struct.length, 0);
  return Buffer.concat([size, envelope, struct]);
}

/** The id of a struct's first field; 0 for the success of a result struct, or when it has none. */
function firstFieldId(struct: Buffer, protocol: ThriftProtocolName): number {
  const r = newReader(protocol, struct);
  r.structBegin();
  return r.fieldBegin() === T.STOP ? 0 : r.fieldId;
}


function protocolOf(encoding: string | undefined): ThriftProtocolName {
  return isThriftProtocol(encoding) ? encoding : 'binary';
}

function converted<T>(f: () => T, what: string, code: 'INVALID_ARGUMENT' | 'INTERNAL' = 'INVALID_ARGUMENT'): T {
  try {
    return f();
  } catch (err) {
    throw new MeshError(code, `cannot convert ${what}: ${(err as Error).message}`);
  }
}
