import { randomFillSync } from 'node:crypto';

/** The caller's W3C trace context, as far as a child span needs it. */
export interface ParentContext {
  readonly traceId: string;
  readonly spanId: string;
  readonly sampled: boolean;
}

const zeroTrace = '00000000000000000000000000000000';
const zeroSpan = '0000000000000000';

/** Lowercase hex digits only, from `from` to `to` (a loop: the regex and its match array cost more per call). */
function isHex(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/**
 * The app's (or the consumer sidecar's) `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`, W3C), or
 * undefined for a new root: absent, malformed, or an all-zero id.
 */
export function parseTraceparent(tp: string | undefined): ParentContext | undefined {
  if (tp === undefined || tp.length !== 55 || tp[2] !== '-' || tp[35] !== '-' || tp[52] !== '-' || !isHex(tp, 0, 2) || !isHex(tp, 3, 35) || !isHex(tp, 36, 52) || !isHex(tp, 53, 55)) return undefined;
  const traceId = tp.slice(3, 35);
  const spanId = tp.slice(36, 52);
  if (traceId === zeroTrace || spanId === zeroSpan) return undefined;
  return { traceId, spanId, sampled: (parseInt(tp.slice(53, 55), 16) & 1) === 1 };
}

export function formatTraceparent(traceId: string, spanId: string, sampled: boolean): string {
  return `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
}

/**
 * Random ids from one pooled buffer refilled 4 KiB at a time: one CSPRNG call per ~250 spans
 * instead of a Buffer per id. Ids are hex strings, the form traceparent and OTLP/JSON carry;
 * the protobuf encoder writes their bytes straight into the export body.
 */
const pool = Buffer.allocUnsafe(4096);
let poolAt = pool.length;

function randomHex(bytes: number): string {
  if (poolAt + bytes > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const hex = pool.toString('hex', poolAt, poolAt + bytes);
  poolAt += bytes;
  return hex;
}

/** A valid (not all-zero) 16-byte trace id. */
export function newTraceId(): string {
  let id = randomHex(16);
  while (id === zeroTrace) id = randomHex(16);
  return id;
}

/** A valid (not all-zero) 8-byte span id. */
export function newSpanId(): string {
  let id = randomHex(8);
  while (id === zeroSpan) id = randomHex(8);
  return id;
}
