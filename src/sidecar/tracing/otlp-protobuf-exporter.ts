import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import { ProtobufTraceSerializer, TraceExporterMetricsHelper } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

/**
 * OTLP/HTTP with protobuf bodies (the OTLP default), built as @opentelemetry/exporter-trace-otlp-proto
 * builds it: the same export delegate as the JSON exporter with the protobuf serializer. That
 * package is not installed; its two building blocks come with exporter-trace-otlp-http.
 * `./node-http` is a subpath export, which this tsconfig's module resolution cannot type: hence
 * the require and the local signature.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeHttp = require('@opentelemetry/otlp-exporter-base/node-http') as {
  convertLegacyHttpOptions(config: object, signal: string, path: string, headers: Record<string, string>): unknown;
  createOtlpHttpExportDelegate(options: unknown, serializer: unknown, componentType: string, helper: unknown, meterProvider: undefined): ConstructorParameters<typeof OTLPExporterBase<ReadableSpan[]>>[0];
};

class OtlpProtobufTraceExporter extends OTLPExporterBase<ReadableSpan[]> {
  constructor(url: string) {
    const options = nodeHttp.convertLegacyHttpOptions({ url }, 'TRACES', 'v1/traces', { 'Content-Type': 'application/x-protobuf' });
    super(nodeHttp.createOtlpHttpExportDelegate(options, ProtobufTraceSerializer, 'otlp_http_span_exporter', TraceExporterMetricsHelper, undefined));
  }
}

export function otlpProtobufExporter(url: string): SpanExporter {
  return new OtlpProtobufTraceExporter(url);
}
