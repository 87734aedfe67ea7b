import type { MeshTracer } from '../tracing/mesh-tracer';
import type { CallLayer } from './call';
import { endedWith } from './ended-with';

/**
 * One client span per call, child of the app's `traceparent` (or the root of a new trace); the
 * provider gets this span's `traceparent` instead of the app's. Only in the stack when tracing
 * is on, so it costs nothing otherwise.
 */
export function traceLayer(tracer: MeshTracer): CallLayer {
  return (next) => (call) => {
    const span = tracer.start('outbound', call.caller, call.service, call.method, call.metadata.traceparent);
    call.metadata.traceparent = span.traceparent;
    return endedWith(next, call, (code) => span.end(code, call.route?.entry.model.rpcSystem, call.provider ?? null));
  };
}
