import { MeshError } from '../../errors/mesh-error';
import { encodeGrpcMessage } from '../../transport/grpc/grpc-frame';

/**
 * The status a native gRPC caller gets for a failure, as trailers (or the headers of a
 * trailers-only answer): the one place a MeshError becomes a gRPC status on the app listener,
 * as http-status.ts is for HTTP/JSON callers. The code is the one a JSON caller gets; the
 * provider's own details (`grpc-status-details-bin`) and metadata pass as they came, and a
 * quota or rate-limit refusal says when to try again (`grpc-retry-pushback-ms`, gRPC's retry
 * throttling trailer) as `retry-after` does over HTTP.
 */
export function grpcErrorTrailers(error: unknown): Record<string, string> {
  const err = MeshError.from(error);
  const out: Record<string, string> = {};
  if (err.metadata) for (const k in err.metadata) out[k] = err.metadata[k];
  out['grpc-status'] = String(err.numericCode);
  if (err.message) out['grpc-message'] = encodeGrpcMessage(err.message);
  if (err.detailsBin) out['grpc-status-details-bin'] = err.detailsBin;
  if (err.retryAfterSeconds !== undefined) out['grpc-retry-pushback-ms'] = String(err.retryAfterSeconds * 1000);
  return out;
}
