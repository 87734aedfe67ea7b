import { Context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { Code, isCodeName } from '../../errors/codes';
import type { Direction } from '../../telemetry/metrics';
import type { CallSpan, MeshTracer } from './mesh-tracer';
import { otlpProtobufExporter } from './otlp-protobuf-exporter';

export interface TracerOptions {
  readonly url: string;
  readonly protocol: 'http/protobuf' | 'http/json';
  readonly serviceName: string;
}

const traceparentRe = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The OpenTelemetry SDK behind MeshTracer. Loaded by the node layer only when an OTLP endpoint
 * is configured; spans leave in batches (BatchSpanProcessor), never on the request path.
 */
export function createOtelTracer(opts: TracerOptions): MeshTracer {
  const exporter: SpanExporter = opts.protocol === 'http/json' ? new OTLPTraceExporter({ url: opts.url }) : otlpProtobufExporter(opts.url);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: opts.serviceName }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('transmesh');
  return {
    start(direction: Direction, caller: string, service: string, method: string, parent: string | undefined): CallSpan {
      const span = tracer.startSpan(
        `${service}/${method}`,
        { kind: direction === 'outbound' ? SpanKind.CLIENT : SpanKind.SERVER, attributes: { 'rpc.service': service, 'rpc.method': method, caller } },
        parentContext(parent),
      );
      const sc = span.spanContext();
      const traceparent = `00-${sc.traceId}-${sc.spanId}-0${sc.traceFlags & TraceFlags.SAMPLED}`;
      return {
        traceId: sc.traceId,
        traceparent,
        end(code, system, peer) {
          if (span.isRecording()) {
            span.setAttribute('rpc.system', system ?? 'grpc');
            span.setAttribute('rpc.grpc.status_code', isCodeName(code) ? Code[code] : Code.UNKNOWN);
            if (peer) span.setAttribute('peer', peer);
            if (code !== 'OK') span.setStatus({ code: SpanStatusCode.ERROR, message: code });
          }
          span.end();
        },
      };
    },
    shutdown: () => provider.shutdown(),
  };
}

/** The app's (or the consumer sidecar's) W3C trace context, or a new root when there is none. */
function parentContext(traceparent: string | undefined): Context {
  const m = traceparent ? traceparentRe.exec(traceparent) : null;
  if (!m || /^0+$/.test(m[1]) || /^0+$/.test(m[2])) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, { traceId: m[1], spanId: m[2], traceFlags: parseInt(m[3], 16) & TraceFlags.SAMPLED, isRemote: true });
}
