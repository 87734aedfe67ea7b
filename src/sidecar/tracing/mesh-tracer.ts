import type { Direction } from '../../telemetry/metrics';

/**
 * What the data plane needs of tracing: a span per call, child of the caller's `traceparent`,
 * whose own `traceparent` goes on to the next hop. The implementation
 * (otlp-tracer.ts) is built only when OTEL_EXPORTER_OTLP_ENDPOINT is set; without
 * it the sidecar has no tracer at all and no layer calls one.
 */
export interface CallSpan {
  readonly traceId: string;
  /** The W3C trace context naming this span as the parent, for the next hop. */
  readonly traceparent: string;
  /** `system` is rpc.system (`grpc`, `apache_thrift`), `peer` the provider's address. */
  end(code: string, system: string | undefined, peer: string | null): void;
}

export interface MeshTracer {
  start(direction: Direction, caller: string, service: string, method: string, parent: string | undefined): CallSpan;
  /** Exports what is queued. */
  shutdown(): Promise<void>;
  /** Prometheus text for the sidecar's /metrics (spans exported and dropped). */
  render?(): string;
}
