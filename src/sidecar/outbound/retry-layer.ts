import { MeshError } from '../../errors/mesh-error';
import { codeName } from '../../errors/codes';
import { PeerHeaders } from '../../transport/peer/peer-headers';
import type { EndpointHealth } from './endpoint-health';
import type { PeerLayer } from './call';

/** A provider sidecar's answer that its service never saw the call (see inbound/peer-reply.ts). */
function notSent(status: number, message: string): MeshError {
  const err = new MeshError(codeName(status), message);
  err.retryable = true;
  return err;
}

/**
 * Retries a call on another endpoint only when the failed attempt provably never reached a
 * provider (connection refused, stream refused, or the provider sidecar says its service refused the connection), so no call runs twice; all within the deadline.
 */
export function retryLayer(health: EndpointHealth, maxAttempts = 3): PeerLayer {
  return (next) => async (req) => {
    for (let attempt = 1; ; attempt++) {
      req.call.attempts = attempt;
      try {
        const res = await next(req);
        if (res.status !== 0 && res.headers[PeerHeaders.notSent] === '1') throw notSent(res.status, res.message);
        if (req.endpoint) health.succeeded(req.endpoint.address);
        return res;
      } catch (err) {
        if (!(err instanceof MeshError) || !err.retryable) throw err;
        if (req.endpoint) health.eject(req.endpoint.address);
        if (attempt >= maxAttempts || Date.now() >= req.call.deadline) throw err;
      }
    }
  };
}
