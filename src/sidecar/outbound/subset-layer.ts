import { MeshError } from '../../errors/mesh-error';
import type { PolicyMetrics } from '../../telemetry/policy-metrics';
import type { CallLayer } from './call';
import type { LayerEnv } from './layer-env';
import { matches } from './policy-match';

/** The subset label of calls no route matched (they go to every provider). */
export const allProviders = '(all)';

/**
 * Policy routes: the first route whose match fits the call picks a subset by weight, one random
 * draw per call; a call no route matches goes to every provider. The balancer then chooses
 * among the providers carrying every label of the subset, on each attempt.
 */
export function subsetLayer(env: Pick<LayerEnv, 'random'>, metrics: PolicyMetrics): CallLayer {
  return (next) => async (call) => {
    const policy = call.policy;
    const service = policy?.service;
    if (policy && service) {
      const route = service.routes.find((r) => matches(r.match, call));
      if (route) {
        const draw = env.random() * 100;
        const to = route.to.find((t) => draw < t.upTo) ?? route.to[route.to.length - 1];
        const labels = service.subsets.get(to.subset);
        // Validation refuses such a document; should one arrive anyway, no provider is better than every provider.
        if (!labels) throw new MeshError('UNAVAILABLE', `the policy of ${call.service} (revision ${service.revision}) routes to subset "${to.subset}", which it does not define`);
        policy.subset = { name: to.subset, labels };
        call.subset = to.subset;
      }
      // Only services with a policy are counted: without one every call goes to every provider.
      metrics.subset(call.service, policy.subset?.name ?? allProviders);
    }
    return next(call);
  };
}
