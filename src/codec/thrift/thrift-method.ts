import { MeshError, invalidArgument } from '../../errors/mesh-error';
import { CodeName, isCodeName } from '../../errors/codes';
import type { JsonValue } from '../../json/json-value';
import { parseJson } from '../../json/parse-json';
import { RawJson } from '../../json/raw-json';
import type { ThriftMethod, ThriftProtocolName, ToJsonOptions } from '../../idl/model';
import { EncoderCompiler, wireType } from './json-to-thrift';
import { PathError } from './paths';
import { newReader, newWriter } from './protocols';
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
      idempotent: false,
      encodeArgs(value: JsonValue, protocol: ThriftProtocolName): Buffer {
        const w = newWriter(protocol);
        try {
          encodeStruct(w, value);
        } catch (err) {
          if (err instanceof PathError) throw invalidArgument(err.path, err.reason);
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
        const r = newReader(protocol, bytes);
        r.structBegin();
        for (;;) {
          const t = r.fieldBegin();
          if (t === T.STOP) break;
          if (r.fieldId === 0 && success && t === successType) {
            result = success(r, opts);
            continue;
          }
          const ex = throws.get(r.fieldId);
          if (ex && t === T.STRUCT) {
            // Written as the caller asked for 64-bit integers; kept as text so no digit is lost.
            const text = ex.dec(r, opts);
            const value = parseJson(text) as Record<string, JsonValue>;
            const message = ex.messageField && typeof value.message === 'string' && value.message !== '' ? value.message : ex.def.name;
            thrown = new MeshError(ex.code, message, [], { thrift: { exception: ex.def.name, value: opts.int64AsNumber ? new RawJson(text) : value } });
            continue;
          }
          r.skip(t);
        }
        r.structEnd();
      } catch (err) {
        const detail = err instanceof PathError ? `${err.path ? `${err.path}: ` : ''}${err.reason}` : (err as Error).message;
        throw new MeshError('INTERNAL', `undecodable ${where}: ${detail}`);
      }
      if (thrown) throw thrown;
      if (result !== undefined) return result;
      if (!success) return '{}';
      throw new MeshError('INTERNAL', `missing result in ${where}`);
    };
  }
}
