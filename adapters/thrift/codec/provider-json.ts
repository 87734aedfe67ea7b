import type { JsonProviderConversion } from '../../../src/idl/model';
import type { JsonValue } from '../../../src/json/json-value';
import { JsonPathError } from '../../../src/codec/json-path';
import { invalidArgument, MeshError } from '../../../src/errors/mesh-error';
import type { FieldDef, MethodDef } from '../idl/thrift-types';
import { isThriftProtocol, type ThriftProtocolName } from '../thrift-model';
import type { EncoderCompiler } from './json-to-thrift';
import { newReader, newWriter } from './protocols';
import type { DecoderCompiler } from './thrift-to-json';

/**
 * A Thrift function on the provider's side of JSON (a provider that speaks HTTP/JSON): the
 * argument struct out as a JSON object of arguments by name, the answer back as the function's
 * result struct (`<method>_result`: field 0 the success value, one field per declared exception),
 * which the consumer reads as it reads a native Thrift provider's REPLY.
 */
export function providerJson(m: MethodDef, enc: EncoderCompiler, dec: DecoderCompiler): JsonProviderConversion {
  const args = dec.compileStruct(m.args);
  const success: readonly FieldDef[] = m.returns ? [{ id: 0, name: 'success', type: m.returns, requiredness: 'optional' }] : [];
  const result = enc.compileStruct([...success, ...m.throws]);
  const byException = new Map<string, string>();
  for (const f of m.throws) if (f.type.kind === 'struct') byException.set(f.type.def.name, f.name);
  const encodeResult = (value: JsonValue, encoding: string | undefined): Buffer => {
    const w = newWriter(protocolOf(encoding));
    try {
      result(w, value);
    } catch (err) {
      if (err instanceof JsonPathError) throw invalidArgument(err.path, err.message);
      throw err;
    }
    return w.finish();
  };
  return {
    decodeRequest(bytes, encoding, opts) {
      try {
        return args(newReader(protocolOf(encoding), bytes), opts);
      } catch (err) {
        const detail = err instanceof JsonPathError ? `${err.path ? `${err.path}: ` : ''}${err.message}` : (err as Error).message;
        throw new MeshError('INVALID_ARGUMENT', `undecodable arguments of ${m.name}: ${detail}`);
      }
    },
    // The success value sits under field 0; a void function's answer is ignored as its IDL says.
    encodeReply: (value, encoding) => encodeResult(m.returns ? { success: value } : {}, encoding),
    encodeException(exception, value, encoding) {
      const field = byException.get(exception);
      return field === undefined ? undefined : encodeResult({ [field]: value }, encoding);
    },
  };
}

function protocolOf(encoding: string | undefined): ThriftProtocolName {
  return isThriftProtocol(encoding) ? encoding : 'binary';
}
