/** SpanKind as OTLP numbers it (the API's enum is one lower). */
export const spanKindServer = 2;
export const spanKindClient = 3;

/**
 * One finished span: exactly what the OTLP encoders write, nothing generic. The attributes are
 * the mesh's fixed set, so they are fields, not a map built per call.
 */
export interface SpanRecord {
  readonly traceId: string;
  readonly spanId: string;
  /** '' for the root of a trace. */
  readonly parentSpanId: string;
  readonly kind: typeof spanKindServer | typeof spanKindClient;
  readonly service: string;
  readonly method: string;
  readonly caller: string;
  /** `performance.now()` at start and end; turned into unix nanoseconds only when exported. */
  readonly startMs: number;
  readonly endMs: number;
  /** rpc.system, the gRPC code's name and number, and the peer (null: none, attribute left out). */
  readonly system: string;
  readonly code: string;
  readonly statusCode: number;
  readonly peer: string | null;
}

/**
 * One clock for start and end: the process's time origin plus the monotonic `performance.now()`,
 * so durations are exact and a wall-clock step mid-call cannot make a negative span. The origin
 * is split into two 32-bit halves once; each timestamp adds its offset with carry, exact while the
 * offset in nanoseconds fits a double (104 days of uptime; beyond, off by a few ns).
 */
const originNs = BigInt(Math.round(performance.timeOrigin * 1e6));
const originHi = Number(originNs >> 32n);
const originLo = Number(originNs & 0xffffffffn);
const two32 = 2 ** 32;

/** Unix nanoseconds of a `performance.now()` value, as little-endian fixed64 at `at`. */
export function writeUnixNanos(buf: Buffer, at: number, perfMs: number): void {
  const rel = Math.round(perfMs * 1e6);
  const lo = originLo + (rel % two32);
  buf.writeUInt32LE(lo % two32, at);
  buf.writeUInt32LE((originHi + Math.floor(rel / two32) + Math.floor(lo / two32)) % two32, at + 4);
}

/** The same as a decimal string, the form OTLP/JSON gives 64-bit integers. */
export function unixNanosString(perfMs: number): string {
  return (originNs + BigInt(Math.round(perfMs * 1e6))).toString();
}
