import { MeshError } from '../../errors/mesh-error';
import { Code, CodeName } from '../../errors/codes';
import { meshDefaults } from '../../policy/service-policy';
import type { Breaker } from './breaker';
import type { AttemptLayer } from './call';
import type { LayerEnv } from './layer-env';

/**
 * What counts as a provider failing (docs/policy.md, breaker): not RESOURCE_EXHAUSTED, which is a provider
 * sidecar's rate limit refusing on purpose, nor the app's own errors or a caller going away.
 */
const failureCodes: ReadonlySet<number> = new Set([Code.UNAVAILABLE, Code.DEADLINE_EXCEEDED, Code.INTERNAL, Code.UNKNOWN]);
const failureNames: ReadonlySet<CodeName> = new Set(['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'INTERNAL', 'UNKNOWN']);

/** Feeds each attempt's outcome at the provider the balancer chose to the circuit breaker. */
export function breakerLayer(breaker: Breaker, env: Pick<LayerEnv, 'now'>): AttemptLayer {
  return (next) => async (req) => {
    const address = req.endpoint!.address;
    const settings = req.call.policy?.method.breaker ?? meshDefaults.breaker;
    try {
      const res = await next(req);
      if (failureCodes.has(res.status)) breaker.failed(address, req.pool ?? [], settings, env.now());
      else breaker.succeeded(address);
      return res;
    } catch (err) {
      if (err instanceof MeshError && failureNames.has(err.code)) breaker.failed(address, req.pool ?? [], settings, env.now());
      throw err;
    }
  };
}
