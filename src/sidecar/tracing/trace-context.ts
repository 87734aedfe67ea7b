import { randomFillSync } from 'node:crypto';

/** The caller's W3C trace context, as far as a child span needs it. */
export interface ParentContext {
  readonly traceId: string;
  readonly spanId: string;
  readonly sampled: boolean;
}

const traceparentRe = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const zeroTrace = '00000000000000000000000000000000';
const zeroSpan = '0000000000000000';

/** The app's (or the consumer sidecar's) `traceparent`, or undefined for a new root (absent, malformed or all-zero ids). */
export function parseTraceparent(traceparent: string | undefined): ParentContext | undefined {
  if (traceparent === undefined || traceparent.length !== 55) return undefined;
  const m = traceparentRe.exec(traceparent);
  if (!m || m[1] === zeroTrace || m[2] === zeroSpan) return undefined;
  return { traceId: m[1], spanId: m[2], sampled: (parseInt(m[3], 16) & 1) === 1 };
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
