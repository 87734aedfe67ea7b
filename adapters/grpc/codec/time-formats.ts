import { fail } from '../../../src/codec/json-path';

/**
 * The text forms of google.protobuf.Timestamp (RFC 3339) and Duration ("1.5s"), both ways.
 * Calendar arithmetic is done by hand (days from civil date) because Date cannot represent
 * nanoseconds and maps years below 100 onto the 1900s.
 */

/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range protoc accepts. */
export const TIMESTAMP_MIN_SECONDS = -62135596800;
export const TIMESTAMP_MAX_SECONDS = 253402300799;
/** 10,000 years, the Duration range of the spec. */
export const DURATION_MAX_SECONDS = 315576000000;

const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):(\d{2}))$/;
// protojson's grammar: a sign, then "0" or digits without a leading zero, or nothing before a
// ".", then up to 9 fraction digits ("1.5s", "+1s", ".5s", "1.s"; not "01s" or "s").
const DURATION_RE = /^([+-])?(?:(0|[1-9]\d*)(?:\.(\d{0,9}))?|\.(\d{0,9}))s$/;

export interface SecondsNanos {
  seconds: number;
  nanos: number;
}

function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(z: number): [number, number, number] {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

function nanosOf(frac: string | undefined): number {
  return frac ? Number(frac.padEnd(9, '0')) : 0;
}

/** ".5" style fraction with 0, 3, 6 or 9 digits, as protoc prints it. */
export function fractionOf(nanos: number): string {
  if (nanos === 0) return '';
  if (nanos % 1000000 === 0) return '.' + String(nanos / 1000000).padStart(3, '0');
  if (nanos % 1000 === 0) return '.' + String(nanos / 1000).padStart(6, '0');
  return '.' + String(nanos).padStart(9, '0');
}

export function parseTimestamp(v: unknown): SecondsNanos {
  if (typeof v !== 'string') return fail('expected an RFC 3339 timestamp string');
  const m = TIMESTAMP_RE.exec(v);
  if (!m) return fail(`invalid timestamp ${JSON.stringify(v)} (want RFC 3339, e.g. "2024-01-01T00:00:00Z")`);
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) {
    return fail(`invalid timestamp ${JSON.stringify(v)} (no such date or time)`);
  }
  let offset = 0;
  if (m[8]) {
    const oh = Number(m[9]);
    const om = Number(m[10]);
    // protojson (Go's time parser) takes offsets up to +24:60; anything past that is refused.
    if (oh > 24 || om > 60) return fail(`invalid timestamp ${JSON.stringify(v)} (bad UTC offset)`);
    offset = (m[8] === '-' ? -1 : 1) * (oh * 3600 + om * 60);
  }
  const seconds = daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset;
  if (seconds < TIMESTAMP_MIN_SECONDS || seconds > TIMESTAMP_MAX_SECONDS) {
    return fail(`timestamp ${JSON.stringify(v)} is out of range (0001-01-01 to 9999-12-31)`);
  }
  return { seconds, nanos: nanosOf(m[7]) };
}

/** RFC 3339 in UTC; throws a plain Error on values protoc would refuse to print. */
export function formatTimestamp(seconds: number, nanos: number): string {
  if (seconds < TIMESTAMP_MIN_SECONDS || seconds > TIMESTAMP_MAX_SECONDS) throw new Error(`google.protobuf.Timestamp seconds ${seconds} out of range`);
  if (nanos < 0 || nanos > 999999999) throw new Error(`google.protobuf.Timestamp nanos ${nanos} out of range`);
  const days = Math.floor(seconds / 86400);
  let rem = seconds - days * 86400;
  const [y, mo, d] = civilFromDays(days);
  const h = Math.floor(rem / 3600);
  rem -= h * 3600;
  const mi = Math.floor(rem / 60);
  const s = rem - mi * 60;
  return `${String(y).padStart(4, '0')}-${two(mo)}-${two(d)}T${two(h)}:${two(mi)}:${two(s)}${fractionOf(nanos)}Z`;
}

function two(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

export function parseDuration(v: unknown): SecondsNanos {
  if (typeof v !== 'string') return fail('expected a duration string such as "1.5s"');
  const m = DURATION_RE.exec(v);
  if (!m) return fail(`invalid duration ${JSON.stringify(v)} (want e.g. "1.5s")`);
  const whole = m[2] ?? '0';
  const abs = whole.length > 15 ? Infinity : Number(whole);
  if (abs > DURATION_MAX_SECONDS) return fail(`duration ${JSON.stringify(v)} is out of range (10000 years)`);
  const sign = m[1] === '-' ? -1 : 1;
  const nanos = nanosOf(m[3] ?? m[4]);
  // Normalises "-0s" to 0 so the wire never carries negative zero.
  return { seconds: abs === 0 ? 0 : sign * abs, nanos: nanos === 0 ? 0 : sign * nanos };
}

export function formatDuration(seconds: number, nanos: number): string {
  if (Math.abs(seconds) > DURATION_MAX_SECONDS) throw new Error(`google.protobuf.Duration seconds ${seconds} out of range`);
  if (Math.abs(nanos) > 999999999 || (seconds !== 0 && nanos !== 0 && seconds < 0 !== nanos < 0)) {
    throw new Error(`google.protobuf.Duration nanos ${nanos} invalid for seconds ${seconds}`);
  }
  const negative = seconds < 0 || nanos < 0;
  return `${negative ? '-' : ''}${Math.abs(seconds)}${fractionOf(Math.abs(nanos))}s`;
}
