import type { JsonValue } from '../json/json-value';
import type { MethodDef } from './thrift-types';

/**
 * What a compiled IDL bundle offers the data plane. Everything here is settled when the
 * bundle is loaded; the request path only calls the functions it holds.
 */
export type Protocol = 'grpc' | 'thrift';

/** A bundle of IDL sources: path (as imported/included) to file content. */
export type IdlFiles = Readonly<Record<string, string>>;

export interface ToJsonOptions {
  /** Write 64-bit integers as bare JSON numbers (exact) instead of strings. */
  readonly int64AsNumber: boolean;
}

/** JSON <-> protobuf bytes for one message type, compiled once per type. */
export interface MessageCodec {
  readonly typeName: string;
  /** Validates a parsed JSON value strictly and encodes it; throws MeshError INVALID_ARGUMENT naming the JSON path. */
  encode(value: JsonValue): Uint8Array;
  /** Decodes protobuf bytes and writes canonical proto3 JSON text. Throws MeshError INTERNAL on bytes that do not decode. */
  toJson(bytes: Uint8Array, opts: ToJsonOptions): string;
}

export interface GrpcMethod {
  readonly kind: 'grpc';
  readonly name: string;
  /** `/<package.Service>/<Method>`: the HTTP/2 path of the call. */
  readonly path: string;
  readonly request: MessageCodec;
  readonly response: MessageCodec;
  /** Streaming methods are listed but answered UNIMPLEMENTED over HTTP/JSON. */
  readonly clientStreaming: boolean;
  readonly serverStreaming: boolean;
  /** `option idempotency_level = IDEMPOTENT | NO_SIDE_EFFECTS;`: safe to run twice, so policy may retry it on more codes. */
  readonly idempotent: boolean;
}

export type ThriftProtocolName = 'binary' | 'compact';

export interface ThriftMethod {
  readonly kind: 'thrift';
  readonly name: string;
  readonly oneway: boolean;
  /** `(transmesh.idempotent = "true")` on the function: safe to run twice, so policy may retry it on more codes. */
  readonly idempotent: boolean;
  /** The method's argument struct (`<method>_args`) from a JSON object of arguments by name; no message envelope. */
  encodeArgs(value: JsonValue, protocol: ThriftProtocolName): Buffer;
  /**
   * The JSON text of a REPLY's result struct (`<method>_result`): the success value, `{}` for void.
   * A declared exception throws MeshError (code from `transmesh.code`, else UNKNOWN) with
   * `extra.thrift = {exception: "<module>.<Type>", value: {...}}`.
   */
  decodeResult(bytes: Buffer, protocol: ThriftProtocolName, opts: ToJsonOptions): string;
  /** The resolved IDL of the method (arguments, return type, exceptions), for tools such as `idl show`. */
  readonly def: MethodDef;
}

export type MethodModel = GrpcMethod | ThriftMethod;

export interface ServiceModel {
  /** Fully qualified: `<proto package>.<Service>` or `<thrift module>.<Service>`. */
  readonly name: string;
  readonly protocol: Protocol;
  readonly methods: ReadonlyMap<string, MethodModel>;
}

/** The result of compiling one pushed bundle. */
export interface CompiledBundle {
  readonly services: readonly ServiceModel[];
}

/** A refused IDL: the message starts with `file:line:col` when the position is known. */
export class IdlError extends Error {
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
    readonly col?: number,
  ) {
    super(file ? `${file}${line ? `:${line}${col ? `:${col}` : ''}` : ''}: ${message}` : message);
    this.name = 'IdlError';
  }
}
