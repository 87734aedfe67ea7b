import type { JsonValue } from '../../src/json/json-value';
import type { MethodModel, ToJsonOptions } from '../../src/idl/model';
import type { MethodDef } from './idl/thrift-types';

/** The Thrift protocols a provider may speak; announced in discovery as its `encoding`. */
export type ThriftProtocolName = 'binary' | 'compact';

export function isThriftProtocol(s: string | undefined): s is ThriftProtocolName {
  return s === 'binary' || s === 'compact';
}

/** A function of a `.thrift` service, with its argument and result converters. */
export interface ThriftMethod extends MethodModel {
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

/** The Thrift adapter's own marks on the peer hop. */
export const ThriftHeaders = {
  /** `1` on a oneway call. */
  oneway: 'x-transmesh-thrift-oneway',
  /** `reply` or `exception` (a TApplicationException) on an answer. */
  kind: 'x-transmesh-thrift-kind',
} as const;

/** Thrift calls ride the peer hop in gRPC's framing under their own content type. */
export const thriftContentType = 'application/grpc+thrift';
