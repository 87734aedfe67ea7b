import { SpanRecord, unixNanosString } from './span-record';

/**
 * ExportTraceServiceRequest in OTLP/JSON: the protobuf JSON mapping with OTLP's exceptions (ids as
 * hex, not base64; enums as integers; 64-bit integers as decimal strings).
 */
const str = (key: string, value: string) => ({ key, value: { stringValue: value } });

function span(s: SpanRecord) {
  const attributes = [str('rpc.system', s.system), str('rpc.service', s.service), str('rpc.method', s.method), { key: 'rpc.grpc.status_code', value: { intValue: String(s.statusCode) } }, str('caller', s.caller)];
  if (s.peer !== null) attributes.push(str('peer', s.peer));
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
    flags: 0x101 | (s.parentSpanId ? 0x200 : 0),
    name: `${s.service}/${s.method}`,
    kind: s.kind,
    startTimeUnixNano: unixNanosString(s.startMs),
    endTimeUnixNano: unixNanosString(s.endMs),
    attributes,
    ...(s.code !== 'OK' ? { status: { code: 2, message: s.code } } : {}),
  };
}

export function encodeJson(serviceName: string, spans: readonly SpanRecord[]): Buffer {
  const body = { resourceSpans: [{ resource: { attributes: [str('service.name', serviceName)] }, scopeSpans: [{ scope: { name: 'transmesh' }, spans: spans.map(span) }] }] };
  return Buffer.from(JSON.stringify(body));
}
