import { SpanRecord, unixNanosString } from './span-record';

/**
 * ExportTraceServiceRequest in OTLP/JSON: the protobuf JSON mapping with OTLP's exceptions (ids as
 * hex, not base64; enums as integers; 64-bit integers as decimal strings). Written as text, with
 * each distinct string escaped once and cached: building objects for JSON.stringify cost four
 * times as much per span.
 */
const quoted = new Map<string, string>();
function q(s: string): string {
  let j = quoted.get(s);
  if (j === undefined) {
    if (quoted.size >= 4096) quoted.clear(); // bounded: a flood of distinct names only costs re-escaping
    j = JSON.stringify(s);
    quoted.set(s, j);
  }
  return j;
}

const str = (key: string, value: string) => `{"key":"${key}","value":{"stringValue":${q(value)}}}`;

function span(s: SpanRecord): string {
  const parent = s.parentSpanId ? `"parentSpanId":"${s.parentSpanId}",` : '';
  const peer = s.peer !== null ? `,${str('peer', s.peer)}` : '';
  const status = s.code !== 'OK' ? `,"status":{"code":2,"message":${q(s.code)}}` : '';
  return (
    `{"traceId":"${s.traceId}","spanId":"${s.spanId}",${parent}"flags":${0x101 | (s.parentSpanId ? 0x200 : 0)},"name":${q(`${s.service}/${s.method}`)},"kind":${s.kind},` +
    `"startTimeUnixNano":"${unixNanosString(s.startMs)}","endTimeUnixNano":"${unixNanosString(s.endMs)}",` +
    `"attributes":[${str('rpc.system', s.system)},${str('rpc.service', s.service)},${str('rpc.method', s.method)},{"key":"rpc.grpc.status_code","value":{"intValue":"${s.statusCode}"}},${str('caller', s.caller)}${peer}]${status}}`
  );
}

export function encodeJson(serviceName: string, spans: readonly SpanRecord[]): Buffer {
  const head = `{"resourceSpans":[{"resource":{"attributes":[${str('service.name', serviceName)}]},"scopeSpans":[{"scope":{"name":"transmesh"},"spans":[`;
  return Buffer.from(`${head}${spans.map(span).join(',')}]}]}]}`);
}
