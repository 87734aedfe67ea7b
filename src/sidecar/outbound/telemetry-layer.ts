import { MeshError } from '../../errors/mesh-error';
import { Metrics, unroutedLabel } from '../../telemetry/metrics';
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
      // Calls that named no known method share one label set, so no caller can grow the series without bound.
      const routed = call.route !== undefined;
      metrics.observe('outbound', call.caller, routed ? call.service : unroutedLabel, routed ? call.method : unroutedLabel, code, (performance.now() - call.startedAt) / 1000);
    }
  };
}
