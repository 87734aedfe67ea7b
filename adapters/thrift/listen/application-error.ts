import type { MeshError } from '../../../src/errors/mesh-error';
import type { ThriftProtocolName } from '../thrift-model';
import { newWriter } from '../codec/protocols';
import { T } from '../codec/wire-types';

/** TApplicationException types, numbered as every Apache Thrift implementation numbers them. */
export const ApplicationExceptionType = { UNKNOWN_METHOD: 1, INTERNAL_ERROR: 6 } as const;

/**
 * What a native Thrift caller gets for a failure, the one place it is decided (as grpc-status.ts
 * is for gRPC callers): a TApplicationException whose message begins with the code name a JSON
 * caller would get (`PERMISSION_DENIED: …`), of type UNKNOWN_METHOD for UNIMPLEMENTED (an unknown
 * service or method, a `.proto` service) and INTERNAL_ERROR for everything else.
 */
export function applicationExceptionOf(err: MeshError): { readonly message: string; readonly type: number } {
  return {
    message: err.message ? `${err.code}: ${err.message}` : err.code,
    type: err.code === 'UNIMPLEMENTED' ? ApplicationExceptionType.UNKNOWN_METHOD : ApplicationExceptionType.INTERNAL_ERROR,
  };
}

/** The TApplicationException struct (`1: string message, 2: i32 type`) for `err`, in `protocol`. */
export function encodeApplicationException(err: MeshError, protocol: ThriftProtocolName): Buffer {
  const { message, type } = applicationExceptionOf(err);
  const w = newWriter(protocol);
  w.structBegin();
  w.fieldBegin(T.STRING, 1);
  w.string(message);
  w.fieldBegin(T.I32, 2);
  w.i32(type);
  w.structEnd();
  return w.finish();
}
