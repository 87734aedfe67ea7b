import { MeshError } from '../../errors/mesh-error';
import type { EndpointHealth } from './endpoint-health';
import type { PeerLayer } from './call';

/**
 * Retries a call on another endpoint only when the failed attempt provably never reached a
 * provider (connection refused, stream refused), so no call runs twice; all within the deadline.
 */
export function retryLayer(health: EndpointHealth, maxAttempts = 3): PeerLayer {
  return (next) => async (req) => {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await next(req);
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
