import protobuf from 'protobufjs';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { encodeProtobuf } from '../../src/sidecar/tracing/otlp-protobuf';
import { encodeJson } from '../../src/sidecar/tracing/otlp-json';
import { SpanRecord, spanKindClient, spanKindServer, unixNanosString } from '../../src/sidecar/tracing/span-record';

/**
 * Our hand-written OTLP encoders against the official ones: the same spans through
 * @opentelemetry/otlp-transformer's serializers, both decoded with opentelemetry-proto's schema
 * (trace/v1, common/v1, resource/v1, collector/trace/v1, field numbers as upstream).
 */
const root = protobuf.parse(`
syntax = "proto3";
message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7; } }
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message Status { string message = 2; int32 code = 3; }
message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
message Link { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; repeated KeyValue attributes = 4; uint32 dropped_attributes_count = 5; fixed32 flags = 6; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; fixed32 flags = 16; string name = 5; int32 kind = 6;
  fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8; repeated KeyValue attributes = 9; uint32 dropped_attributes_count = 10;
  repeated Event events = 11; uint32 dropped_events_count = 12; repeated Link links = 13; uint32 dropped_links_count = 14; Status status = 15;
}
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
`).root.lookupType('ExportTraceServiceRequest');

/** Decoded with every default filled in; an absent Status is STATUS_CODE_UNSET (trace.proto says so), as the SDK writes it. */
function decode(body: Uint8Array) {
  const msg = root.toObject(root.decode(body), { longs: String, bytes: String, defaults: true, arrays: true, oneofs: false });
  for (const rs of msg.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) s.status ??= { code: 0, message: '' };
  return msg;
}

const t0 = performance.now();
const spans: SpanRecord[] = [
  { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', parentSpanId: 'a1b2c3d4e5f60718', kind: spanKindClient, service: 'mesh.test.v1.Echo', method: 'Echo', caller: 'php-app', startMs: t0, endMs: t0 + 1.234567, system: 'grpc', code: 'OK', statusCode: 0, peer: '127.0.0.1:15006' },
  { traceId: 'ffffffffffffffffffffffffffffffff', spanId: 'ffffffffffffffff', parentSpanId: '', kind: spanKindServer, service: 'shop.Cart', method: 'Add', caller: 'app-é-日本', startMs: t0 + 0.5, endMs: t0 + 90_000.000001, system: 'apache_thrift', code: 'NOT_FOUND', statusCode: 5, peer: null },
  { traceId: '0000000000000000000000000000000a', spanId: '000000000000000b', parentSpanId: '0000000000000001', kind: spanKindServer, service: 's'.repeat(300), method: 'M', caller: 'c', startMs: 0, endMs: 0.000001, system: 'grpc', code: 'UNAVAILABLE', statusCode: 14, peer: 'grpc://[::1]:50051' },
];

/** The same span as the SDK's ReadableSpan, which is what the official serializers take. */
function readable(s: SpanRecord, resource: object, instrumentationScope: object) {
  const hr = (ms: number): [number, number] => {
    const ns = BigInt(unixNanosString(ms));
    return [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
  };
  const attributes: Record<string, string | number> = { 'rpc.system': s.system, 'rpc.service': s.service, 'rpc.method': s.method, 'rpc.grpc.status_code': s.statusCode, caller: s.caller };
  if (s.peer !== null) attributes.peer = s.peer;
  return {
    name: `${s.service}/${s.method}`,
    kind: s.kind - 1, // the API's SpanKind is OTLP's minus one
    spanContext: () => ({ traceId: s.traceId, spanId: s.spanId, traceFlags: 1 }),
    parentSpanContext: s.parentSpanId ? { traceId: s.traceId, spanId: s.parentSpanId, traceFlags: 1, isRemote: true } : undefined,
    startTime: hr(s.startMs),
    endTime: hr(s.endMs),
    status: s.code === 'OK' ? { code: 0 } : { code: 2, message: s.code },
    attributes,
    links: [],
    events: [],
    duration: [0, 0],
    ended: true,
    resource,
    instrumentationScope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

const reference = (serviceName: string, list: SpanRecord[]) => {
  // One resource and one scope object: the serializer groups spans by their identity.
  const resource = { attributes: { 'service.name': serviceName } };
  const scope = { name: 'transmesh' };
  return list.map((s) => readable(s, resource, scope)) as never;
};

describe('OTLP protobuf encoding', () => {
  test.each([
    ['one span', [spans[0]]],
    ['three spans: root and child, errors, no peer, non-ASCII, long names', spans],
  ])('decodes like the official serializer: %s', (_what, list) => {
    const ours = decode(encodeProtobuf('php-frontend', list));
    const official = decode(ProtobufTraceSerializer.serializeRequest(reference('php-frontend', list))!);
    expect(ours).toEqual(official);
  });

  test('a big batch grows the buffer and stays identical', () => {
    const many = Array.from({ length: 700 }, (_, i) => ({ ...spans[i % 3], spanId: i.toString(16).padStart(16, '1') }));
    expect(decode(encodeProtobuf('svc', many))).toEqual(decode(ProtobufTraceSerializer.serializeRequest(reference('svc', many))!));
  });

  test('the span carries what the mesh promises', () => {
    const msg = decode(encodeProtobuf('php-frontend', spans));
    const [client, server] = msg.resourceSpans[0].scopeSpans[0].spans;
    expect(msg.resourceSpans[0].resource.attributes).toEqual([{ key: 'service.name', value: expect.objectContaining({ stringValue: 'php-frontend' }) }]);
    expect(msg.resourceSpans[0].scopeSpans[0].scope.name).toBe('transmesh');
    expect(Buffer.from(client.traceId, 'base64').toString('hex')).toBe(spans[0].traceId);
    expect(Buffer.from(client.parentSpanId, 'base64').toString('hex')).toBe(spans[0].parentSpanId);
    expect(client.name).toBe('mesh.test.v1.Echo/Echo');
    expect([client.kind, server.kind]).toEqual([3, 2]);
    expect(server.parentSpanId).toBe('');
    expect(server.status).toEqual({ code: 2, message: 'NOT_FOUND' });
    // Unix nanoseconds from the process clock: now, give or take the test's run, not 1970 or the uptime.
    const startNs = BigInt(client.startTimeUnixNano);
    expect(Number(startNs / 1_000_000n)).toBeGreaterThan(Date.now() - 600_000);
    expect(Number(startNs / 1_000_000n)).toBeLessThanOrEqual(Date.now());
    expect(BigInt(client.endTimeUnixNano) - startNs).toBe(1_234_567n);
  });
});

/** Default values dropped and 64-bit integers as strings, so both JSON encodings compare. */
function normalized(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? v.map(normalized) : undefined;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const n = k === 'intValue' ? String(x) : normalized(x);
      if (n !== undefined) out[k] = n;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return v === 0 || v === '' ? undefined : v;
}

describe('OTLP JSON encoding', () => {
  test('matches the official JSON serializer, spans and all', () => {
    const ours = JSON.parse(encodeJson('php-frontend', spans).toString());
    const official = JSON.parse(Buffer.from(JsonTraceSerializer.serializeRequest(reference('php-frontend', spans))!).toString());
    expect(normalized(ours)).toEqual(normalized(official));
  });

  test('ids are hex, enums integers, 64-bit integers strings (OTLP/JSON)', () => {
    const span = JSON.parse(encodeJson('x', [spans[1]]).toString()).resourceSpans[0].scopeSpans[0].spans[0];
    expect(span).toMatchObject({ traceId: spans[1].traceId, spanId: spans[1].spanId, kind: 2, status: { code: 2, message: 'NOT_FOUND' } });
    expect(span.parentSpanId).toBeUndefined();
    expect(typeof span.startTimeUnixNano).toBe('string');
    expect(span.attributes).toContainEqual({ key: 'rpc.grpc.status_code', value: { intValue: '5' } });
    expect(span.attributes.map((a: { key: string }) => a.key)).not.toContain('peer');
  });
});
