import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import protobuf from 'protobufjs';

/**
 * The part of opentelemetry-proto's ExportTraceServiceRequest the tests read, field numbers as
 * upstream, so http/protobuf exports decode to the same shape as http/json ones.
 */
const otlpProto = protobuf.parse(`
syntax = "proto3";
message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; } }
message KeyValue { string key = 1; AnyValue value = 2; }
message Resource { repeated KeyValue attributes = 1; }
message Span { bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5; int32 kind = 6; repeated KeyValue attributes = 9; }
message ScopeSpans { repeated Span spans = 2; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
`).root.lookupType('ExportTraceServiceRequest');

function decodeProtobuf(body: Buffer): any {
  const hex = (b: Uint8Array | undefined) => (b && b.length ? Buffer.from(b).toString('hex') : '');
  const msg = otlpProto.toObject(otlpProto.decode(body), { longs: Number, defaults: false, bytes: Array }) as any;
  return {
    resourceSpans: (msg.resourceSpans ?? []).map((rs: any) => ({
      resource: rs.resource,
      scopeSpans: (rs.scopeSpans ?? []).map((ss: any) => ({
        spans: (ss.spans ?? []).map((sp: any) => ({ ...sp, traceId: hex(sp.traceId), spanId: hex(sp.spanId), parentSpanId: hex(sp.parentSpanId) })),
      })),
    })),
  };
}

/** One span as an OTLP/HTTP JSON export carries it, with its resource's service.name. */
export interface ReceivedSpan {
  serviceName: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  /** The content type the span came in: application/json or application/x-protobuf. */
  encoding: string;
  attributes: Record<string, unknown>;
}

/**
 * A minimal OTLP collector: a plain node:http server taking OTLP/HTTP (JSON or protobuf) on /v1/traces, so
 * the test sees exactly what a sidecar exports (no collector binary, no mock of the exporter).
 */
export async function startOtlpReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; events: EventEmitter; waitFor: (pred: (s: ReceivedSpan) => boolean, what: string) => Promise<ReceivedSpan>; stop: () => Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const events = new EventEmitter();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const encoding = String(req.headers['content-type']);
      if (req.method !== 'POST' || req.url !== '/v1/traces' || !['application/json', 'application/x-protobuf'].includes(encoding)) {
        res.writeHead(415).end();
        return;
      }
      const raw = Buffer.concat(chunks);
      const body = encoding === 'application/json' ? JSON.parse(raw.toString('utf8')) : decodeProtobuf(raw);
      for (const rs of body.resourceSpans ?? []) {
        const serviceName = rs.resource?.attributes?.find((a: any) => a.key === 'service.name')?.value?.stringValue;
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            const attributes: Record<string, unknown> = {};
            for (const a of s.attributes ?? []) attributes[a.key] = a.value.stringValue ?? (a.value.intValue !== undefined ? Number(a.value.intValue) : a.value.boolValue);
            const span = { serviceName, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '', name: s.name, kind: s.kind, encoding, attributes };
            spans.push(span);
            events.emit('span', span);
          }
        }
      }
      // An empty ExportTraceServiceResponse in either encoding.
      res.writeHead(200, { 'content-type': encoding }).end(encoding === 'application/json' ? '{}' : '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const waitFor = (pred: (s: ReceivedSpan) => boolean, what: string) =>
    new Promise<ReceivedSpan>((resolve, reject) => {
      const seen = spans.find(pred);
      if (seen) return resolve(seen);
      const timer = setTimeout(() => reject(new Error(`no span ${what}; received: ${JSON.stringify(spans.slice(-6))}`)), 20000);
      const on = (s: ReceivedSpan) => {
        if (!pred(s)) return;
        clearTimeout(timer);
        events.off('span', on);
        resolve(s);
      };
      events.on('span', on);
    });
  return { url, spans, events, waitFor, stop: () => new Promise((r) => server.close(() => r())) };
}
