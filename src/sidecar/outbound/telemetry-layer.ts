import { MeshError } from '../../errors/mesh-error';
import type { Metrics } from '../../telemetry/metrics';
import type { CallLayer } from './call';

/** Outermost layer: every call is counted with the code it ended with, whoever raised it. */
export function telemetryLayer(metrics: Metrics): CallLayer {
  return (next) => async (call) => {
    let code = 'OK';
    try {
      return await next(call);
    } catch (err) {
      code = err instanceof MeshError ? err.code : 'INTERNAL';
      throw err;
    } finally {
      metrics.observe('outbound', call.caller, call.service, call.method, code, (performance.now() - call.startedAt) / 1000);
    }
  };
}
