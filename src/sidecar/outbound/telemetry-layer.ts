import { Metrics, unroutedLabel } from '../../telemetry/metrics';
import { AccessLog, roundMs, traceIdOf } from '../../telemetry/access-log';
import type { CallLayer } from './call';
import { endedWith } from './ended-with';

/**
 * Outermost layer: every call is counted with the code it ended with, whoever raised it, and
 * (sampled) becomes one access-log record in the bounded buffer; nothing here waits.
 */
export function telemetryLayer(metrics: Metrics, accessLog: AccessLog): CallLayer {
  return (next) => (call) =>
    endedWith(next, call, (code) => {
      const durationMs = performance.now() - call.startedAt;
      // Calls that named no known method share one label set, so no caller can grow the series without bound.
      const routed = call.route !== undefined;
      const service = routed ? call.service : unroutedLabel;
      const method = routed ? call.method : unroutedLabel;
      metrics.observe('outbound', call.caller, service, method, code, durationMs / 1000);
      if (call.convertMs !== undefined) metrics.observeConversion(service, method, call.convertMs / 1000);
      if (accessLog.keeps(code, durationMs)) {
        accessLog.add({
          time: new Date().toISOString(),
          direction: 'outbound',
          requestId: call.requestId,
          traceId: traceIdOf(call.metadata.traceparent),
          caller: call.caller,
          service: call.service,
          method: call.method,
          code,
          durationMs: roundMs(durationMs),
          attempts: call.attempts ?? 1,
          subset: call.subset ?? null,
          provider: call.provider ?? null,
          convertMs: roundMs(call.convertMs ?? 0),
        });
      }
    });
}
