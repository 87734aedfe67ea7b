import type { IncomingHttpHeaders } from 'node:http2';
import { MeshError } from '../../errors/mesh-error';
import { parseGrpcTimeout } from '../../transport/grpc/grpc-frame';

/** Headers of the transport, sent by the gRPC library and never the application's metadata. */
const transport = new Set(['content-type', 'te', 'user-agent', 'accept-encoding', 'content-length', 'host']);
/** Carried by the mesh itself on the peer hop (the call's request id), not as metadata. */
const carriedApart = 'x-request-id';
const meshPrefix = 'x-transmesh-';

/**
 * A native gRPC caller's custom metadata, to pass on to the provider: everything but the
 * transport's headers and `grpc-*` (the gRPC library's own: timeout, encodings, retry counts);
 * `traceparent` and `tracestate` are metadata like any other. The mesh's own names
 * (`x-transmesh-*`) would speak for the mesh on the peer hop: INVALID_ARGUMENT, as for a JSON
 * caller's `grpc-metadata-x-transmesh-*`. Binary (`-bin`) values pass as their base64 text.
 */
export function callerMetadata(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key in headers) {
    if (key[0] === ':' || transport.has(key) || key.startsWith('grpc-') || key === carriedApart) continue;
    if (key.startsWith(meshPrefix)) throw new MeshError('INVALID_ARGUMENT', `metadata "${key}" is a name the mesh reserves (x-transmesh-*) and cannot be sent`);
    const v = headers[key];
    if (v !== undefined) out[key] = Array.isArray(v) ? v.join(',') : String(v);
  }
  return out;
}

/**
 * `grpc-timeout` as the whole milliseconds the deadline layer reads (rounded up, so a
 * sub-millisecond deadline is not "none"); undefined when the caller sent none.
 */
export function timeoutMsOf(raw: string | string[] | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const ms = parseGrpcTimeout(Array.isArray(raw) ? raw[0] : raw);
  if (ms === undefined) throw new MeshError('INVALID_ARGUMENT', `grpc-timeout "${String(raw)}" is not a gRPC timeout (1 to 8 digits and a unit of H, M, S, m, u or n)`);
  return String(Math.max(1, Math.ceil(ms)));
}
