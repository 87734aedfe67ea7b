import { MeshError } from '../../../src/errors/mesh-error';
import type { CodeName } from '../../../src/errors/codes';
import type { ThriftProtocolName } from '../thrift-model';
import { readStruct } from './protocols';
import { T } from './wire-types';

/** TApplicationException types, as numbered by every Apache Thrift implementation. */
const TYPES: readonly { name: string; code: CodeName }[] = [
  { name: 'UNKNOWN', code: 'UNKNOWN' },
  { name: 'UNKNOWN_METHOD', code: 'UNIMPLEMENTED' },
  { name: 'INVALID_MESSAGE_TYPE', code: 'INTERNAL' },
  { name: 'WRONG_METHOD_NAME', code: 'INTERNAL' },
  { name: 'BAD_SEQUENCE_ID', code: 'INTERNAL' },
  { name: 'MISSING_RESULT', code: 'INTERNAL' },
  { name: 'INTERNAL_ERROR', code: 'INTERNAL' },
  { name: 'PROTOCOL_ERROR', code: 'INVALID_ARGUMENT' },
  // The provider cannot handle how it was called (transform, protocol, client type): the
  // mesh's setup asks for something the server does not implement, so UNIMPLEMENTED.
  { name: 'INVALID_TRANSFORM', code: 'UNIMPLEMENTED' },
  { name: 'INVALID_PROTOCOL', code: 'UNIMPLEMENTED' },
  { name: 'UNSUPPORTED_CLIENT_TYPE', code: 'UNIMPLEMENTED' },
];

/**
 * The MeshError for the struct of an EXCEPTION message (TApplicationException:
 * `1: string message, 2: i32 type`). Bytes that do not decode give INTERNAL.
 */
export function applicationExceptionToError(bytes: Buffer, protocol: ThriftProtocolName): MeshError {
  let message = '';
  let type = 0;
  let typeSent = false;
  try {
    readStruct(protocol, bytes, (r, t, id) => {
      if (id === 1 && t === T.STRING) message = r.string();
      else if (id === 2 && t === T.I32) {
        type = r.i32();
        typeSent = true;
      } else return false;
      return true;
    });
  } catch (err) {
    return new MeshError('INTERNAL', `undecodable TApplicationException from the provider: ${(err as Error).message}`);
  }
  // Apache's Node server (0.24) never writes the type (it writes `this.code`, which is unset);
  // its unknown-method message is recognisable, so such providers still answer UNIMPLEMENTED.
  if (!typeSent && message.startsWith('Unknown function ')) type = 1;
  const known = TYPES[type];
  const name = known?.name ?? String(type);
  const code = known?.code ?? 'UNKNOWN';
  return new MeshError(code, message || `TApplicationException ${name}`, {
    extra: { thrift: { exception: 'TApplicationException', value: { message, type: name } } },
  });
}
