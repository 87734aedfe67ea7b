import { SpanRecord, writeUnixNanos } from './span-record';

/**
 * ExportTraceServiceRequest in protobuf, written by hand for our one span shape (field numbers as
 * opentelemetry-proto's collector/trace/v1 and trace/v1; tests decode it with the real schema and
 * compare it with @opentelemetry/otlp-transformer's serializer). Every length is computed before
 * anything is written, so the body is one exact allocation written front to back; the strings
 * (services, methods, callers, peers: a small set) are UTF-8 encoded once and cached, since
 * Buffer.write per string was most of the cost.
 */
const utf8 = new Map<string, Buffer>();
function bytesOf(s: string): Buffer {
  let b = utf8.get(s);
  if (b === undefined) {
    if (utf8.size >= 4096) utf8.clear(); // bounded: a flood of distinct names only costs re-encoding
    b = Buffer.from(s, 'utf8');
    utf8.set(s, b);
  }
  return b;
}

const varintSize = (n: number) => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5);

let out: Buffer = Buffer.alloc(0);
let at = 0;

function varint(n: number): void {
  while (n > 0x7f) {
    out[at++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  out[at++] = n;
}

function raw(b: Buffer): void {
  out.set(b, at);
  at += b.length;
}

/** Lowercase hex (ids are only ever that: generated here or checked by the traceparent regex). */
function hex(field: number, h: string): void {
  out[at++] = (field << 3) | 2;
  out[at++] = h.length >> 1;
  for (let i = 0; i < h.length; i += 2) {
    const a = h.charCodeAt(i);
    const b = h.charCodeAt(i + 1);
    out[at++] = ((a < 58 ? a - 48 : a - 87) << 4) | (b < 58 ? b - 48 : b - 87);
  }
}

/** A KeyValue's key part (`key` and the AnyValue's tag), constant per attribute name. */
const keyPart = (key: string) => Buffer.concat([Buffer.from([0x0a, key.length]), Buffer.from(key), Buffer.from([0x12])]);
const keys = { system: keyPart('rpc.system'), service: keyPart('rpc.service'), method: keyPart('rpc.method'), status: keyPart('rpc.grpc.status_code'), caller: keyPart('caller'), peer: keyPart('peer') };

/** AnyValue{string_value} around `v`, and the KeyValue around that. */
const anyStringSize = (v: Buffer) => 1 + varintSize(v.length) + v.length;
const kvSize = (key: Buffer, anySize: number) => key.length + varintSize(anySize) + anySize;
const attrSize = (kv: number) => 1 + varintSize(kv) + kv;
const strAttrSize = (key: Buffer, v: string) => attrSize(kvSize(key, anyStringSize(bytesOf(v))));

function stringAttr(key: Buffer, v: Buffer): void {
  const any = anyStringSize(v);
  out[at++] = 0x4a; // Span.attributes (9, length-delimited)
  varint(kvSize(key, any));
  raw(key);
  varint(any);
  out[at++] = 0x0a; // AnyValue.string_value
  varint(v.length);
  raw(v);
}

/** The size of a span message's content (what span() writes after its tag and length). */
function spanSize(s: SpanRecord): number {
  const nameLen = bytesOf(s.service).length + 1 + bytesOf(s.method).length;
  let n = 18 + 10 + (s.parentSpanId ? 10 : 0) + 1 + varintSize(nameLen) + nameLen + 2 + 18 + 6; // ids, name, kind, times, flags
  n += strAttrSize(keys.system, s.system) + strAttrSize(keys.service, s.service) + strAttrSize(keys.method, s.method) + strAttrSize(keys.caller, s.caller);
  if (s.peer !== null) n += strAttrSize(keys.peer, s.peer);
  n += attrSize(kvSize(keys.status, 1 + varintSize(s.statusCode)));
  if (s.code !== 'OK') {
    const status = 1 + varintSize(s.code.length) + s.code.length + 2;
    n += 1 + varintSize(status) + status;
  }
  return n;
}

function span(s: SpanRecord, size: number): void {
  out[at++] = 0x12; // ScopeSpans.spans (2)
  varint(size);
  hex(1, s.traceId);
  hex(2, s.spanId);
  if (s.parentSpanId) hex(4, s.parentSpanId);
  const service = bytesOf(s.service);
  const method = bytesOf(s.method);
  out[at++] = 0x2a; // name (5): `<service>/<method>`
  varint(service.length + 1 + method.length);
  raw(service);
  out[at++] = 0x2f;
  raw(method);
  out[at++] = 0x30; // kind (6)
  out[at++] = s.kind;
  out[at++] = 0x39; // start_time_unix_nano (7, fixed64)
  writeUnixNanos(out, at, s.startMs);
  out[at + 8] = 0x41; // end_time_unix_nano (8, fixed64)
  writeUnixNanos(out, at + 9, s.endMs);
  at += 17;
  stringAttr(keys.system, bytesOf(s.system));
  stringAttr(keys.service, service);
  stringAttr(keys.method, method);
  out[at++] = 0x4a; // rpc.grpc.status_code: AnyValue.int_value (3), a small non-negative code
  varint(kvSize(keys.status, 1 + varintSize(s.statusCode)));
  raw(keys.status);
  varint(1 + varintSize(s.statusCode));
  out[at++] = 0x18;
  varint(s.statusCode);
  stringAttr(keys.caller, bytesOf(s.caller));
  if (s.peer !== null) stringAttr(keys.peer, bytesOf(s.peer));
  if (s.code !== 'OK') {
    out[at++] = 0x7a; // status (15): message (2) = the code's name, code (3) = STATUS_CODE_ERROR
    varint(1 + varintSize(s.code.length) + s.code.length + 2);
    out[at++] = 0x12;
    varint(s.code.length);
    at += out.write(s.code, at, 'latin1'); // gRPC code names are ASCII
    out[at++] = 0x18;
    out[at++] = 2;
  }
  // flags (16, fixed32): W3C "sampled" (only sampled spans are exported) and "has is_remote",
  // plus "is remote" when the parent came in a traceparent, which every parent here does: as the SDK sets them.
  out[at++] = 0x85;
  out[at++] = 0x01;
  out.writeUInt32LE(0x101 | (s.parentSpanId ? 0x200 : 0), at);
  at += 4;
}

/** One OTLP/HTTP protobuf body for a batch of spans of one service. */
export function encodeProtobuf(serviceName: string, spans: readonly SpanRecord[]): Buffer {
  const sizes = spans.map(spanSize);
  const scope = bytesOf('transmesh');
  const scopeMsg = 1 + varintSize(scope.length) + scope.length; // InstrumentationScope.name
  let scopeSpans = 1 + varintSize(scopeMsg) + scopeMsg;
  for (const n of sizes) scopeSpans += 1 + varintSize(n) + n;
  const serviceKey = Buffer.from('\x0a\x0cservice.name\x12', 'latin1');
  const service = bytesOf(serviceName);
  const kv = kvSize(serviceKey, anyStringSize(service));
  const resource = 1 + varintSize(kv) + kv;
  const resourceSpans = 1 + varintSize(resource) + resource + 1 + varintSize(scopeSpans) + scopeSpans;
  out = Buffer.allocUnsafe(1 + varintSize(resourceSpans) + resourceSpans);
  at = 0;
  out[at++] = 0x0a; // ExportTraceServiceRequest.resource_spans (1)
  varint(resourceSpans);
  out[at++] = 0x0a; // ResourceSpans.resource (1)
  varint(resource);
  out[at++] = 0x0a; // Resource.attributes (1)
  varint(kv);
  raw(serviceKey);
  varint(anyStringSize(service));
  out[at++] = 0x0a;
  varint(service.length);
  raw(service);
  out[at++] = 0x12; // ResourceSpans.scope_spans (2)
  varint(scopeSpans);
  out[at++] = 0x0a; // ScopeSpans.scope (1)
  varint(scopeMsg);
  out[at++] = 0x0a;
  varint(scope.length);
  raw(scope);
  for (let i = 0; i < spans.length; i++) span(spans[i], sizes[i]);
  if (at !== out.length) throw new Error(`OTLP encoder: wrote ${at} bytes of ${out.length}`);
  const body = out;
  out = Buffer.alloc(0);
  return body;
}
