import { MeshError } from '../../errors/mesh-error';
import type { PolicyMetrics } from '../../telemetry/policy-metrics';
import type { CallLayer } from './call';
import type { LayerEnv } from './layer-env';
import { matches } from './policy-match';

/**
 * Policy faults, for testing resilience: the first fault that matches the call (like routes) and
 * has not expired (checked per call against the clock, so an expired fault is gone even before a
 * new revision arrives) delays it and/or aborts it, each by its percent. The delay counts against
 * the call's deadline. An abort sits above the retry layer, so it is never retried.
 */
export function faultLayer(env: LayerEnv, metrics: PolicyMetrics): CallLayer {
  return (next) => async (call) => {
    const faults = call.policy?.service?.faults;
    if (faults && faults.length > 0) {
      const now = env.now();
      const fault = faults.find((f) => now < f.expiresAt && matches(f.match, call));
      if (fault?.delay && env.random() * 100 < fault.delay.percent) {
        metrics.fault(call.service, 'delay', 'OK');
        const left = call.deadline - now;
        await env.sleep(Math.min(fault.delay.ms, Math.max(left, 0)), call.cancel);
        if (call.cancel.cancelled) throw new MeshError('CANCELLED', 'the caller went away');
        if (fault.delay.ms >= left) throw new MeshError('DEADLINE_EXCEEDED', `deadline exceeded during a ${fault.delay.ms} ms delay injected by the policy of ${call.service}`);
      }
      if (fault?.abort && env.random() * 100 < fault.abort.percent) {
        metrics.fault(call.service, 'abort', fault.abort.code);
        throw new MeshError(fault.abort.code, `fault injected by the policy of ${call.service} (revision ${call.policy!.service!.revision}): abort with ${fault.abort.code}`);
      }
    }
    return next(call);
  };
}
