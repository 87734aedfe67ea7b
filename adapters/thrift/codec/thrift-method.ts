import { MeshError, invalidArgument } from '../../../src/errors/mesh-error';
import { CodeName, isCodeName } from '../../../src/errors/codes';
import type { JsonValue } from '../../../src/json/json-value';
import { parseJson } from '../../../src/json/parse-json';
import { RawJson } from '../../../src/json/raw-json';
import type { ToJsonOptions } from '../../../src/idl/model';
import type { JsonConversion } from '../../../src/idl/model';
import { isThriftProtocol, ThriftHeaders, thriftContentType, type ThriftMethod, type ThriftProtocolName } from '../thrift-model';
import { EncoderCompiler, wireType } from './json-to-thrift';
import { JsonPathError } from '../../../src/codec/json-path';
import { newWriter, readStruct } from './protocols';
import { Decoder, DecoderCompiler } from './thrift-to-json';
import type { MethodDef, StructDef } from '../idl/thrift-types';
import { T } from './wire-types';
import { applicationExceptionToError } from './application-exception';
import { providerJson } from './provider-json';


/** The converters of one bundle: named types are compiled once and shared by every method. */
export class ThriftCodecCompiler {
  private readonly enc = new EncoderCompiler();
  private readonly dec = new DecoderCompiler();
  /** One decoder compiler per JSON shape a caller asked for (`JsonShape` bits), made on first use. */
  private readonly shaped: DecoderCompiler[] = [this.dec];

  private decoders(shape: number): DecoderCompiler {
    return (this.shaped[shape] ??= new DecoderCompiler(shape));
  }

  /** `service`: the service's fully qualified name, for the call's path. */
  method(m: MethodDef, service: string): ThriftMethod {
    const encodeStruct = this.enc.compileStruct(m.args);
    // The result decoder of each JSON shape is compiled the first time a caller asks for it.
    const results: ThriftMethod['decodeResult'][] = [];
    const decodeResult: ThriftMethod['decodeResult'] = (bytes, protocol, opts) => {
      const shape = opts.shape ?? 0;
      return (results[shape] ??= this.resultDecoder(m, this.decoders(shape)))(bytes, protocol, opts);
    };
    const encodeArgs = (value: JsonValue, protocol: ThriftProtocolName): Buffer => {
      const w = newWriter(protocol);
      try {
        encodeStruct(w, value);
      } catch (err) {
        if (err instanceof JsonPathError) throw invalidArgument(err.path, err.message);
        throw err;
      }
      return w.finish();
    };
    return {
      name: m.name,
      path: `/${service}/${m.name}`,
      oneway: m.oneway,
      idempotent: m.idempotent,
      clientStreaming: false,
      serverStreaming: false,
      encodeArgs,
      decodeResult,
      def: m,
      json: thriftJson(m.oneway, encodeArgs, decodeResult),
      provider: providerJson(m, this.enc, this.dec),
    };
  }

  private resultDecoder(m: MethodDef, decoders: DecoderCompiler): ThriftMethod['decodeResult'] {
    const success = m.returns ? decoders.decoder(m.returns) : undefined;
    const successType = m.returns ? wireType(m.returns) : T.STOP;
    const throws = new Map<number, { def: StructDef; dec: Decoder; code: CodeName; messageField: boolean }>();
    for (const f of m.throws) {
      if (f.type.kind !== 'struct') continue;
      const def = f.type.def;
      const code = def.annotations['transmesh.code'];
      throws.set(f.id, {
        def,
        dec: decoders.structDecoder(def),
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

const onewayHeaders: Readonly<Record<string, string>> = Object.freeze({ [ThriftHeaders.oneway]: '1' });
const noHeaders: Readonly<Record<string, string>> = Object.freeze({});
const noDetails = () => [];

/**
 * A Thrift method's JSON in and out: arguments are encoded in the protocol the chosen provider
 * announced (binary first, compact only when a compact provider is picked), and an answer is a
 * REPLY's result struct or, marked by the provider sidecar, a TApplicationException.
 */
function thriftJson(oneway: boolean, encodeArgs: ThriftMethod['encodeArgs'], decodeResult: ThriftMethod['decodeResult']): JsonConversion {
  return {
    contentType: thriftContentType,
    headers: oneway ? onewayHeaders : noHeaders,
    encodeRequest(value) {
      const binary = encodeArgs(value, 'binary');
      let compact: Buffer | undefined;
      return (encoding) => (encoding === 'compact' ? (compact ??= encodeArgs(value, 'compact')) : binary);
    },
    decodeReply(answer, opts) {
      if (oneway) return '{}';
      const protocol = isThriftProtocol(answer.encoding) ? answer.encoding : 'binary';
      if (answer.headers[ThriftHeaders.kind] === 'exception') throw applicationExceptionToError(answer.payload, protocol);
      return decodeResult(answer.payload, protocol, opts);
    },
    statusDetails: noDetails,
  };
}
