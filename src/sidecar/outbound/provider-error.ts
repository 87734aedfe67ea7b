import { MeshError } from '../../errors/mesh-error';
import { codeName } from '../../errors/codes';
import type { PeerResponse } from '../../transport/grpc/h2-client';
import { PeerHeaders } from '../../protocol/peer-headers';

/**
 * A provider's error answer as the MeshError the caller gets: its code and message, `details`
 * as the caller's edge shows them (JSON for HTTP/JSON callers), the raw details, its metadata,
 * and the retry-after of a quota or rate-limit refusal by the provider sidecar.
 */
export function providerError(res: Pick<PeerResponse, 'status' | 'message' | 'detailsBin' | 'metadata' | 'headers'>, details: readonly unknown[]): MeshError {
  const retryAfter = res.headers[PeerHeaders.retryAfter];
  const retryAfterSeconds = retryAfter === undefined ? undefined : Number(retryAfter) || 1;
  return new MeshError(codeName(res.status), res.message, { details, metadata: res.metadata, detailsBin: res.detailsBin, retryAfterSeconds });
}
