import type Long from 'long';
import { int64Unsigned } from './int64-types';

/**
 * Protobuf scalar values (as protobufjs decodes them) to JSON text. Each writer takes the value
 * and whether 64-bit integers go out as bare numbers.
 */
export type ValueOut = (v: any, int64AsNumber: boolean) => string;

const TWO_32 = 4294967296;

/** Exact decimal text of a decoded 64-bit value; the field type, not Long#unsigned, decides the sign. */
export function longText(v: number | Long, unsigned: boolean): string {
  if (typeof v === 'number') return String(v);
  const lo = v.low >>> 0;
  if (unsigned) {
    const hi = v.high >>> 0;
    if (hi < 0x200000) return String(hi * TWO_32 + lo);
    return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
  }
  const hi = v.high | 0;
  if (hi >= -0x200000 && hi < 0x200000) return String(hi * TWO_32 + lo);
  return BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo)).toString();
}

/** A decoded 64-bit value as a JS number; exact within the ranges Timestamp and Duration allow. */
export function longNumber(v: number | Long | null | undefined): number {
  if (v == null) return 0;
  if (typeof v === 'number') return v;
  return (v.high | 0) * TWO_32 + (v.low >>> 0);
}

/** JSON string literal; skips JSON.stringify's call overhead for the common plain string. */
export function quote(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return '"' + s + '"';
}

function nonFinite(v: number): string {
  return v !== v ? '"NaN"' : v > 0 ? '"Infinity"' : '"-Infinity"';
}

export function doubleText(v: number): string {
  if (!Number.isFinite(v)) return nonFinite(v);
  if (v === 0 && 1 / v < 0) return '-0';
  return String(v);
}

/** The shortest decimal that reads back as the same float32, as protoc prints floats (0.1f is 0.1). */
export function floatText(v: number): string {
  if (!Number.isFinite(v)) return nonFinite(v);
  if (v === 0) return 1 / v < 0 ? '-0' : '0';
  const f = Math.fround(v);
  for (let p = 1; p < 9; p++) {
    const n = Number(f.toPrecision(p));
    if (Math.fround(n) === f) return String(halfEven(f, p) ?? n);
  }
  return String(Number(f.toPrecision(9)));
}

/**
 * toPrecision breaks an exact tie away from zero; Go (protojson) breaks it to the even digit
 * (-252190.625 → -252190.62, not .63). Returns the even neighbour when `f` is exactly halfway at
 * `p` digits and that neighbour also reads back as `f`; undefined otherwise.
 */
function halfEven(f: number, p: number): number | undefined {
  // toExponential with enough digits is the exact decimal expansion of a float32.
  const exact = f.toExponential(Math.min(100, p + 60));
  const m = /^(-?)(\d)\.(\d+)e([-+]\d+)$/.exec(exact);
  if (!m) return undefined;
  const digits = m[2]! + m[3]!;
  if (digits[p] !== '5' || !/^0*$/.test(digits.slice(p + 1))) return undefined;
  if (Number(digits[p - 1]) % 2 !== 0) return undefined;
  const truncated = Number(`${m[1]}${digits[0]}.${digits.slice(1, p)}e${m[4]}`);
  return Math.fround(truncated) === f ? truncated : undefined;
}

export function base64Of(b: Uint8Array | number[] | null | undefined): string {
  if (!b || b.length === 0) return '';
  if (Buffer.isBuffer(b)) return b.toString('base64');
  if (b instanceof Uint8Array) return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
  return Buffer.from(b).toString('base64');
}

export function scalarOut(type: string): ValueOut {
  const unsigned = int64Unsigned(type);
  if (unsigned !== undefined) return (v, n) => (n ? longText(v, unsigned) : '"' + longText(v, unsigned) + '"');
  switch (type) {
    case 'int32':
    case 'sint32':
    case 'sfixed32':
    case 'uint32':
    case 'fixed32':
      return (v) => String(v);
    case 'float':
      return floatText;
    case 'double':
      return doubleText;
    case 'bool':
      return (v) => (v ? 'true' : 'false');
    case 'string':
      return (v) => quote(v ?? '');
    case 'bytes':
      return (v) => '"' + base64Of(v) + '"';
    default:
      throw new Error(`unsupported scalar type ${type}`);
  }
}

/** Whether a decoded value is the proto3 default, which implicit-presence fields leave out. */
export function isDefaultOf(type: string, isEnum: boolean): (v: any) => boolean {
  if (isEnum) return (v) => v === 0 || v == null;
  if (int64Unsigned(type) !== undefined) return (v) => v == null || (typeof v === 'number' ? v === 0 : v.low === 0 && v.high === 0);
  switch (type) {
    case 'float':
    case 'double':
      // -0 is not the default: protoc compares bits, and so does protobufjs' encoder.
      return (v) => v == null || Object.is(v, 0);
    case 'bool':
      return (v) => !v;
    case 'string':
      return (v) => v == null || v === '';
    case 'bytes':
      return (v) => v == null || v.length === 0;
    default:
      return (v) => v == null || v === 0;
  }
}
