import { Code, isCodeName } from '../../errors/codes';
import type { Direction } from '../../telemetry/metrics';
import { joinLines, labelText, writeHeader, writeSample } from '../../telemetry/exposition';
import type { BatchConfig, SamplerConfig } from '../../config/otel-config';
import type { CallSpan, MeshTracer } from './mesh-tracer';
import { encodeJson } from './otlp-json';
import { encodeProtobuf } from './otlp-protobuf';
import { otlpHttpSender } from './otlp-http-sender';
import { createSampler } from './sampler';
import { SpanBatcher } from './span-batcher';
import { SpanRecord, spanKindClient, spanKindServer } from './span-record';
import { formatTraceparent, newSpanId, newTraceId, parseTraceparent } from './trace-context';

export interface OtlpTracerOptions {
  readonly url: string;
  readonly protocol: 'http/protobuf' | 'http/json';
  readonly serviceName: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly sampler: SamplerConfig;
  readonly batch: BatchConfig;
  /** Why exports fail, at most once a minute (a collector that is down would say it per batch). */
  readonly warn: (msg: string) => void;
}

const warnEveryMs = 60_000;

/** A recorded span: filled in on end() and queued as its own SpanRecord, no copy. */
class RecordingSpan implements CallSpan, SpanRecord {
  readonly traceparent: string;
  readonly startMs = performance.now();
  endMs = 0;
  system = 'grpc';
  code = 'OK';
  statusCode = 0;
  peer: string | null = null;

  constructor(
    private readonly batcher: SpanBatcher<SpanRecord>,
    readonly traceId: string,
    readonly spanId: string,
    readonly parentSpanId: string,
    readonly kind: typeof spanKindServer | typeof spanKindClient,
    readonly caller: string,
    readonly service: string,
    readonly method: string,
  ) {
    this.traceparent = formatTraceparent(traceId, spanId, true);
  }

  end(code: string, system: string | undefined, peer: string | null): void {
    if (this.endMs !== 0) return;
    this.endMs = performance.now();
    this.code = code;
    this.statusCode = isCodeName(code) ? Code[code] : Code.UNKNOWN;
    this.system = system ?? 'grpc';
    this.peer = peer;
    this.batcher.add(this);
  }
}

/** Not sampled: a fresh span id in the trace context passed on (flags 00, as the SDK does), nothing recorded. */
const unsampledEnd = () => undefined;

/**
 * MeshTracer with our own spans and OTLP/HTTP export (issue 13: the OpenTelemetry SDK cost the
 * consumer sidecar over 5% of its CPU per call; docs/observability.md). Same spans, same
 * environment, the standard wire format: any OTLP collector takes them.
 */
export function createOtlpTracer(opts: OtlpTracerOptions): MeshTracer & { render(): string; flush(): Promise<void> } {
  const sample = createSampler(opts.sampler);
  const protobuf = opts.protocol === 'http/protobuf';
  let lastWarn = -Infinity;
  let unsaid = 0;
  const sender = otlpHttpSender({
    url: opts.url,
    contentType: protobuf ? 'application/x-protobuf' : 'application/json',
    headers: opts.headers,
    timeoutMs: opts.timeoutMs,
    onFailure: (reason) => {
      const now = performance.now();
      if (now - lastWarn < warnEveryMs) return void unsaid++;
      lastWarn = now;
      opts.warn(`span export to ${opts.url} failed (${reason}); the batch was dropped${unsaid ? `, ${unsaid} more failures since the last warning` : ''}`);
      unsaid = 0;
    },
  });
  const encode = protobuf ? encodeProtobuf : encodeJson;
  const batcher = new SpanBatcher<SpanRecord>(opts.batch, (spans, signal) => sender.send(encode(opts.serviceName, spans), signal));
  return {
    start(direction: Direction, caller: string, service: string, method: string, incoming: string | undefined): CallSpan {
      const parent = parseTraceparent(incoming);
      const traceId = parent ? parent.traceId : newTraceId();
      const spanId = newSpanId();
      if (!sample(traceId, parent)) return { traceId, traceparent: formatTraceparent(traceId, spanId, false), end: unsampledEnd };
      return new RecordingSpan(batcher, traceId, spanId, parent ? parent.spanId : '', direction === 'outbound' ? spanKindClient : spanKindServer, caller, service, method);
    },
    /** Exports what is queued now and keeps going (the bench; shutdown also closes the connection). */
    flush: () => batcher.drain(),
    async shutdown() {
      await batcher.drain();
      sender.close();
    },
    render: () => {
      const out: string[] = [];
      writeHeader(out, 'transmesh_trace_spans_exported_total', 'counter', 'Spans the OTLP collector accepted.');
      writeSample(out, 'transmesh_trace_spans_exported_total', '', batcher.exported);
      writeHeader(out, 'transmesh_trace_spans_dropped_total', 'counter', 'Sampled spans not exported: the queue was full (queue_full) or the collector did not take the batch (export_failed).');
      writeSample(out, 'transmesh_trace_spans_dropped_total', labelText(['reason'], ['queue_full']), batcher.droppedQueueFull);
      writeSample(out, 'transmesh_trace_spans_dropped_total', labelText(['reason'], ['export_failed']), batcher.droppedExportFailed);
      return joinLines(out);
    },
  };
}
