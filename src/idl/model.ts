import type { JsonValue } from '../json/json-value';
import type { RestMethod } from './rest-model';

/**
 * What a compiled IDL bundle offers the data plane and the control plane, whatever its protocol.
 * A protocol adapter (adapters/<name>) compiles its IDL into these; everything here is settled
 * when the bundle is loaded, so the request path only calls the functions it holds.
 */

/** A bundle of IDL sources: path (as imported/included) to file content. */
export type IdlFiles = Readonly<Record<string, string>>;

/** The files of a push and the ones it names (the rest are what those import). */
export interface IdlSources {
  readonly files: IdlFiles;
  readonly entries: readonly string[];
}

export interface ToJsonOptions {
  /** Write 64-bit integers as bare JSON numbers (exact) instead of strings. */
  readonly int64AsNumber: boolean;
  /**
   * The other JSON output options as bits (`JsonShape`): each codec compiles one writer per
   * combination on first use and picks it by this index.
   */
  readonly shape?: number;
}

/** The bits of `ToJsonOptions.shape` (docs/http-api.md, "JSON output options"). */
export const JsonShape = {
  /** Every field the IDL declares, with its default value when unset. */
  emitDefaults: 1,
  /** `.proto` field names as written in the IDL instead of lowerCamelCase. */
  protoNames: 2,
  /** Enum values as numbers. */
  enumNumbers: 4,
} as const;

/** A provider's OK answer as the peer hop delivered it. */
export interface PeerAnswer {
  /** The unframed reply message. */
  readonly payload: Buffer;
  /** The reply's headers (adapters may carry their own marks, e.g. a Thrift exception). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The wire variant the provider announced (`Endpoint.encoding`), if any. */
  readonly encoding: string | undefined;
}

/**
 * JSON in and out of one method, compiled once by its adapter: what the consumer's convert
 * layer needs to turn a JSON call into a peer call and the answer back into JSON.
 */
export interface JsonConversion {
  /** The peer hop's content type for this method's calls. */
  readonly contentType: string;
  /** Headers every call of this method carries to the provider sidecar. */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * Validates a parsed JSON request strictly (MeshError INVALID_ARGUMENT naming the JSON path)
   * and encodes it; the result gives the bytes for a provider announcing `encoding`, encoding
   * lazily for variants other than the first.
   */
  encodeRequest(value: JsonValue): (encoding: string | undefined) => Uint8Array;
  /** The JSON text of an OK answer; a declared exception or undecodable bytes throw MeshError. */
  decodeReply(answer: PeerAnswer, opts: ToJsonOptions): string;
  /** The JSON of `grpc-status-details-bin` on an error answer (`[]` when the IDL cannot read it). */
  statusDetails(detailsBin: string): JsonValue[];
}

/**
 * JSON on the provider's side of one method, for providers that speak HTTP/JSON
 * (adapters/http): the consumer's encoded request out as JSON, the provider's JSON answer back
 * in the IDL's bytes, so the consumer reads it as from a native provider.
 */
export interface JsonProviderConversion {
  /** The request as the consumer encoded it (unframed, in `encoding`) → the JSON text a JSON caller would have sent. */
  decodeRequest(bytes: Buffer, encoding: string | undefined, opts: ToJsonOptions): string;
  /** The provider's JSON answer → the reply message in `encoding`; MeshError INVALID_ARGUMENT naming the JSON path when it does not fit. */
  encodeReply(value: JsonValue, encoding: string | undefined): Uint8Array;
  /**
   * A declared exception (`<module>.<Type>`) with its fields as JSON → the reply that carries it,
   * or undefined when the method declares no such exception (IDLs without them always answer undefined).
   */
  encodeException(exception: string, value: JsonValue, encoding: string | undefined): Uint8Array | undefined;
}

export interface MethodModel {
  readonly name: string;
  /** `/<service>/<method>`: the path of the call on the peer hop. */
  readonly path: string;
  /** Safe to run twice (from the IDL), so policy may retry it on more codes. */
  readonly idempotent: boolean;
  /** Marked `idempotency_level = NO_SIDE_EFFECTS` in the IDL: Connect callers may call it with GET. Absent is false. */
  readonly noSideEffects?: boolean;
  /** Sent without waiting for an answer (Thrift `oneway`). */
  readonly oneway: boolean;
  readonly clientStreaming: boolean;
  readonly serverStreaming: boolean;
  readonly json: JsonConversion;
  readonly provider: JsonProviderConversion;
  /** Its REST routes and the request fields they bind, when the IDL declares any (docs/http-api.md, "REST routes"). */
  readonly rest?: RestMethod;
}

/** What `transmesh idl show` prints of one service: its methods, each with JSON examples. */
export interface ServiceDescription {
  readonly methods: readonly Record<string, unknown>[];
}

/**
 * A service's IDL as gRPC server reflection serves it: the file the service is in and every file
 * it needs, transitively, each an encoded google.protobuf.FileDescriptorProto with the fully
 * qualified names it defines.
 */
export interface ReflectionFiles {
  readonly file: string;
  readonly files: ReadonlyMap<string, { readonly bytes: Uint8Array; readonly symbols: readonly string[] }>;
}

export interface ServiceModel {
  /** Fully qualified: `<proto package>.<Service>` or `<thrift module>.<Service>`. */
  readonly name: string;
  /** The adapter that compiled it (`grpc`, `thrift`): shown by `idl ls`, announced by providers. */
  readonly protocol: string;
  /** OpenTelemetry's `rpc.system` for calls of this service. */
  readonly rpcSystem: string;
  readonly methods: ReadonlyMap<string, MethodModel>;
  describe(): ServiceDescription;
  /** Only IDLs that have descriptors (`.proto`): built on first use, once per compiled bundle. */
  reflection?(): ReflectionFiles;
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
