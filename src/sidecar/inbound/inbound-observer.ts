import type { IncomingHttpHeaders } from 'node:http2';
import { AccessLog, roundMs, traceIdOf } from '../../telemetry/access-log';
import { Metrics, unroutedLabel } from '../../telemetry/metrics';
import type { CallSpan, MeshTracer } from '../tracing/mesh-tracer';

/** One inbound call being watched: started when its stream opens, ended when the reply is written. */
export interface InboundWatch {
  readonly started: number;
  readonly caller: string;
  readonly service: string;
  readonly method: string;
  readonly requestId: string;
  readonly span: CallSpan | undefined;
  readonly traceparent: string | undefined;
  /** OpenTelemetry's rpc.system of the provider's protocol, if this sidecar provides the service. */
  readonly rpcSystem: string | undefined;
}

/**
 * What the peer listener reports per call: the metrics, the access-log record and, with tracing
 * on, a server span whose `traceparent` replaces the consumer's on the way to the local service.
 */
export class InboundObserver {
  constructor(
    readonly metrics: Metrics,
    private readonly accessLog: AccessLog,
    /** The local service's address per service, for the records' `provider`. */
    private readonly providerUrls: ReadonlyMap<string, string>,
    private readonly tracer: MeshTracer | undefined,
  ) {}

  begin(headers: IncomingHttpHeaders, caller: string, service: string, method: string, rpcSystem: string | undefined): InboundWatch {
    const incoming = typeof headers.traceparent === 'string' ? headers.traceparent : undefined;
    const span = this.tracer?.start('inbound', caller, service, method, incoming);
    if (span) headers.traceparent = span.traceparent;
    const requestId = headers['x-request-id'];
    return { started: performance.now(), caller, service, method, requestId: typeof requestId === 'string' ? requestId : '', span, traceparent: span ? span.traceparent : incoming, rpcSystem };
  }

  /** `routed`: the service is provided here; `known`: the method is in the IDL snapshot (else both share the unrouted label). */
  end(w: InboundWatch, routed: boolean, known: boolean, code: string): void {
    const durationMs = performance.now() - w.started;
    this.metrics.observe('inbound', w.caller, routed ? w.service : unroutedLabel, routed && known ? w.method : unroutedLabel, code, durationMs / 1000);
    const provider = routed ? (this.providerUrls.get(w.service) ?? null) : null;
    w.span?.end(code, w.rpcSystem, provider);
    if (!this.accessLog.keeps(code, durationMs)) return;
    this.accessLog.add({
      time: new Date().toISOString(),
      direction: 'inbound',
      requestId: w.requestId,
      traceId: traceIdOf(w.traceparent),
      caller: w.caller,
      service: w.service,
      method: w.method,
      code,
      durationMs: roundMs(durationMs),
      attempts: 1,
      subset: null,
      provider,
      convertMs: 0,
    });
  }
}
