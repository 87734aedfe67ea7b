import { MeshError, invalidArgument } from '../../errors/mesh-error';
import { CodeName, isCodeName } from '../../errors/codes';
import type { JsonValue } from '../../json/json-value';
import { parseJson } from '../../json/parse-json';
import { RawJson } from '../../json/raw-json';
import type { ThriftMethod, ThriftProtocolName, ToJsonOptions } from '../../idl/model';
import { EncoderCompiler, wireType } from './json-to-thrift';
import { JsonPathError } from '../json-path';
import { newWriter, readStruct } from './protocols';
import { Decoder, DecoderCompiler } from './thrift-to-json';
import type { MethodDef, StructDef } from '../../idl/thrift-types';
import { T } from './wire-types';


/** The converters of one bundle: named types are compiled once and shared by every method. */
export class ThriftCodecCompiler {
  private readonly enc = new EncoderCompiler();
  private readonly dec = new DecoderCompiler();

  method(m: MethodDef): ThriftMethod {
    const encodeStruct = this.enc.compileStruct(m.args);
    const decodeResult = this.resultDecoder(m);
    return {
      kind: 'thrift',
      name: m.name,
      oneway: m.oneway,
      idempotent: m.idempotent,
      encodeArgs(value: JsonValue, protocol: ThriftProtocolName): Buffer {
        const w = newWriter(protocol);
        try {
          encodeStruct(w, value);
        } catch (err) {
          if (err instanceof JsonPathError) throw invalidArgument(err.path, err.message);
          throw err;
        }
        return w.finish();
      },
      decodeResult,
      def: m,
    };
  }

  private resultDecoder(m: MethodDef): ThriftMethod['decodeResult'] {
    const success = m.returns ? this.dec.decoder(m.returns) : undefined;
    const successType = m.returns ? wireType(m.returns) : T.STOP;
    const throws = new Map<number, { def: StructDef; dec: Decoder; code: CodeName; messageField: boolean }>();
    for (const f of m.throws) {
      if (f.type.kind !== 'struct') continue;
      const def = f.type.def;
      const code = def.annotations['transmesh.code'];
      throws.set(f.id, {
        def,
        dec: this.dec.structDecoder(def),
        code: code !== undefined && isCodeName(code) ? code : 'UNKNOWN',
        messageField: def.fields.some((x) => x.name === 'message' && x.type.kind === 'string'),
      });
    }
    const where = `reply of ${m.name}`;
    return (bytes: Buffer, protocol: ThriftProtocolName, opts: ToJsonOptions): string => {
      let result: string | undefined;
      let thrown: MeshError | undefined;
      try {
        readStruct(protocol, bytes, (r, t, id) => {
          if (id === 0 && success && t === successType) {
            result = success(r, opts);
            return true;
          }
          const ex = throws.get(id);
          if (!ex || t !== T.STRUCT) return false;
          // Written as the caller asked for 64-bit integers; kept as text so no digit is lost.
          const text = ex.dec(r, opts);
          const value = parseJson(text) as Record<string, JsonValue>;
          const message = ex.messageField && typeof value.message === 'string' && value.message !== '' ? value.message : ex.def.name;
          thrown = new MeshError(ex.code, message, { extra: { thrift: { exception: ex.def.name, value: opts.int64AsNumber ? new RawJson(text) : value } } });
          return true;
        });
      } catch (err) {
        const detail = err instanceof JsonPathError ? `${err.path ? `${err.path}: ` : ''}${err.message}` : (err as Error).message;
        throw new MeshError('INTERNAL', `undecodable ${where}: ${detail}`);
      }
      if (thrown) throw thrown;
      if (result !== undefined) return result;
      if (!success) return '{}';
      throw new MeshError('INTERNAL', `missing result in ${where}`);
    };
  }
}
