import { SpanRecord, writeUnixNanos } from './span-record';

/**
 * ExportTraceServiceRequest in protobuf, written by hand for our one span shape (field numbers as
 * opentelemetry-proto's collector/trace/v1 and trace/v1; tests decode it with the real schema and
 * compare it with @opentelemetry/otlp-transformer's serializer). Nested messages reserve 5 bytes
 * for their length and close the gap once it is known, so each byte is written once (plus one
 * move per enclosing message).
 */
class Writer {
  buf: Buffer;
  pos = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  varint(n: number): void {
    this.room(10);
    this.putVarint(n);
  }

  /** Without the room check: close() writes into the 5 bytes it reserved. */
  private putVarint(n: number): void {
    while (n > 0x7f) {
      this.buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.pos++] = n;
  }

  tag(field: number, wire: 0 | 1 | 2 | 5): void {
    this.varint((field << 3) | wire);
  }

  string(field: number, s: string): void {
    const len = Buffer.byteLength(s);
    this.tag(field, 2);
    this.varint(len);
    this.room(len);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  hexBytes(field: number, hex: string): void {
    this.tag(field, 2);
    this.varint(hex.length / 2);
    this.room(hex.length / 2);
    this.pos += this.buf.write(hex, this.pos, 'hex');
  }

  nanos(field: number, perfMs: number): void {
    this.tag(field, 1);
    this.room(8);
    writeUnixNanos(this.buf, this.pos, perfMs);
    this.pos += 8;
  }

  fixed32(field: number, n: number): void {
    this.tag(field, 5);
    this.room(4);
    this.buf.writeUInt32LE(n, this.pos);
    this.pos += 4;
  }

  /** Opens a length-delimited field; returns where its content starts. */
  open(field: number): number {
    this.tag(field, 2);
    this.room(5);
    this.pos += 5;
    return this.pos;
  }

  close(start: number): void {
    const len = this.pos - start;
    let size = 1;
    while (len >= 2 ** (7 * size)) size++;
    const at = start - 5;
    if (size < 5) this.buf.copyWithin(at + size, start, this.pos);
    this.pos = at;
    this.putVarint(len);
    this.pos += len;
  }
}

/** KeyValue{key, value: AnyValue{string_value | int_value}}. */
function attribute(w: Writer, key: string, value: string | number): void {
  const kv = w.open(9);
  w.string(1, key);
  const any = w.open(2);
  if (typeof value === 'string') w.string(1, value);
  else {
    w.tag(3, 0);
    w.varint(value); // gRPC codes: small and never negative
  }
  w.close(any);
  w.close(kv);
}

function span(w: Writer, s: SpanRecord): void {
  const at = w.open(2); // ScopeSpans.spans
  w.hexBytes(1, s.traceId);
  w.hexBytes(2, s.spanId);
  if (s.parentSpanId) w.hexBytes(4, s.parentSpanId);
  w.string(5, `${s.service}/${s.method}`);
  w.tag(6, 0);
  w.varint(s.kind);
  w.nanos(7, s.startMs);
  w.nanos(8, s.endMs);
  attribute(w, 'rpc.system', s.system);
  attribute(w, 'rpc.service', s.service);
  attribute(w, 'rpc.method', s.method);
  attribute(w, 'rpc.grpc.status_code', s.statusCode);
  attribute(w, 'caller', s.caller);
  if (s.peer !== null) attribute(w, 'peer', s.peer);
  if (s.code !== 'OK') {
    const status = w.open(15);
    w.string(2, s.code);
    w.tag(3, 0);
    w.varint(2); // STATUS_CODE_ERROR
    w.close(status);
  }
  // W3C flags (only sampled spans are exported) plus "has is_remote", and "is remote" when the
  // parent came in a traceparent, which every parent here does: as the SDK sets them.
  w.fixed32(16, 0x101 | (s.parentSpanId ? 0x200 : 0));
  w.close(at);
}

/** One OTLP/HTTP protobuf body for a batch of spans of one service. */
export function encodeProtobuf(serviceName: string, spans: readonly SpanRecord[]): Buffer {
  const w = new Writer(256 + spans.length * 320);
  const rs = w.open(1); // ExportTraceServiceRequest.resource_spans
  const resource = w.open(1);
  const kv = w.open(1);
  w.string(1, 'service.name');
  const any = w.open(2);
  w.string(1, serviceName);
  w.close(any);
  w.close(kv);
  w.close(resource);
  const ss = w.open(2); // ResourceSpans.scope_spans
  const scope = w.open(1);
  w.string(1, 'transmesh');
  w.close(scope);
  for (const s of spans) span(w, s);
  w.close(ss);
  w.close(rs);
  return w.buf.subarray(0, w.pos);
}
