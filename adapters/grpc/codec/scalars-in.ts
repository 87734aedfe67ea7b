import * as protobuf from 'protobufjs';
import type { JsonValue } from '../../../src/json/json-value';
import { describe, fail } from '../../../src/codec/json-path';
import { int64Unsigned } from './int64-types';

/**
 * Strict JSON to native scalar values, one converter per scalar kind: numbers, booleans, strings,
 * Buffers, and for 64-bit integers a safe number or, beyond 2^53, a bigint, so no digit is lost.
 * wire-scalars.ts pairs each with the wire writer of its kind.
 */
export type ScalarIn = (v: JsonValue) => any;

const MAX_FLOAT = 3.4028234663852886e38;
// Numeric strings follow JSON's number grammar, as in protojson: no "01", ".5", "5." or "+1".
const DECIMAL_INT = /^-?(?:0|[1-9]\d*)$/;
const NUMBER_STRING = /^(-?)(0|[1-9]\d*)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;
// Integer map keys as protojson reads them (Go's strconv): decimal digits, a sign when signed.
const SIGNED_KEY = /^[+-]?\d+$/;
const UNSIGNED_KEY = /^\d+$/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

function safeOrBig(b: bigint): number | bigint {
  return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
}

/**
 * The exact integer a numeric string denotes ("12", "1e3", "1.50e1"), or a failure. Strings are
 * how proto3 JSON carries 64-bit integers, and protoc also accepts exponent forms for integers.
 */
function integerFromString(s: string, kind: string): number | bigint {
  if (DECIMAL_INT.test(s)) return s.length <= 15 ? Number(s) : safeOrBig(BigInt(s));
  const m = NUMBER_STRING.exec(s);
  if (!m) return fail(`expected ${kind}, got ${describe(s)}`);
  let digits = (m[2] + (m[3] ?? '')).replace(/^0+/, '');
  let exp = Number(m[4] ?? 0) - (m[3]?.length ?? 0);
  if (digits === '') return 0;
  while (exp < 0 && digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    exp++;
  }
  if (exp < 0) return fail(`expected ${kind}, got non-integer ${describe(s)}`);
  if (digits.length + exp > 40) return fail(`${s} is out of range for ${kind}`);
  const b = BigInt(digits) * 10n ** BigInt(exp);
  return safeOrBig(m[1] === '-' ? -b : b);
}

/** Any JSON integer form: a number with no fraction, a bigint, or a numeric string. */
function toInteger(v: JsonValue, kind: string): number | bigint {
  switch (typeof v) {
    case 'number':
      if (Number.isInteger(v)) return Number.isSafeInteger(v) ? v : BigInt(v);
      if (!Number.isFinite(v)) return fail(`number is out of range for ${kind}`);
      return fail(`expected ${kind}, got non-integer ${v}`);
    case 'bigint':
      return v;
    case 'string':
      return integerFromString(v, kind);
    default:
      return fail(`expected ${kind}, got ${describe(v)}`);
  }
}

function outOfRange(v: JsonValue, kind: string): never {
  return fail(`${typeof v === 'string' ? v : describe(v).replace(/^number /, '')} is out of range for ${kind}`);
}

export function int32In(kind: string): ScalarIn {
  return (v) => {
    if (typeof v === 'number' && (v | 0) === v) return v;
    const n = toInteger(v, kind);
    if (typeof n === 'number' && n >= -2147483648 && n <= 2147483647) return n;
    return outOfRange(v, kind);
  };
}

export function uint32In(kind: string): ScalarIn {
  return (v) => {
    if (typeof v === 'number' && v >>> 0 === v) return v;
    const n = toInteger(v, kind);
    if (typeof n === 'number' && n >= 0 && n <= 4294967295) return n;
    return outOfRange(v, kind);
  };
}

/** Exact 64-bit integer as a number (when safe) or a bigint; fails when out of range. */
function int64Exact(v: JsonValue, unsigned: boolean, kind: string): number | bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v)) {
    if (unsigned && v < 0) return outOfRange(v, kind);
    return v;
  }
  const n = toInteger(v, kind);
  if (typeof n === 'number') {
    if (unsigned && n < 0) return outOfRange(v, kind);
    return n;
  }
  if (unsigned ? n < 0n || n > UINT64_MAX : n < INT64_MIN || n > INT64_MAX) return outOfRange(v, kind);
  return n;
}

export function int64In(kind: string, unsigned: boolean): ScalarIn {
  return (v) => int64Exact(v, unsigned, kind);
}

export function floatIn(isFloat: boolean): ScalarIn {
  const kind = isFloat ? 'float' : 'double';
  const check = (n: number, v: JsonValue): number => {
    // A float is in range when it rounds to a finite float32, as Java's Float.parseFloat has it:
    // 3.4028235e38, how Java prints Float.MAX_VALUE, is in.
    if (isFloat && Math.abs(n) > MAX_FLOAT && !Number.isFinite(Math.fround(n))) outOfRange(v, kind);
    return n;
  };
  return (v) => {
    if (typeof v === 'number') {
      if (Number.isFinite(v)) return check(v, v);
      return outOfRange(v, kind);
    }
    if (typeof v === 'bigint') {
      const n = Number(v);
      return check(n, n);
    }
    if (typeof v === 'string') {
      if (v === 'NaN') return NaN;
      if (v === 'Infinity') return Infinity;
      if (v === '-Infinity') return -Infinity;
      if (NUMBER_STRING.test(v)) {
        const n = Number(v);
        if (Number.isFinite(n)) return check(n, v);
        return outOfRange(v, kind);
      }
    }
    return fail(`expected ${kind}, got ${describe(v)}`);
  };
}

export const boolIn: ScalarIn = (v) => {
  if (typeof v === 'boolean') return v;
  return fail(`expected boolean, got ${describe(v)}`);
};

export function isWellFormed(s: string): boolean {
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

export const stringIn: ScalarIn = (v) => {
  if (typeof v !== 'string') return fail(`expected string, got ${describe(v)}`);
  if (!isWellFormed(v)) return fail('string holds an unpaired surrogate (not valid UTF-8)');
  return v;
};

export const bytesIn: ScalarIn = (v) => {
  if (typeof v !== 'string') return fail(`expected base64 string, got ${describe(v)}`);
  const r = v.length % 4;
  if (!BASE64.test(v) || r === 1 || (r !== 0 && v.endsWith('='))) return fail('invalid base64');
  return Buffer.from(v, 'base64');
};

export function enumIn(e: protobuf.Enum): ScalarIn {
  const byName: Record<string, number> = Object.create(null);
  for (const [name, num] of Object.entries(e.values)) byName[name] = num;
  const closed = (e as unknown as { _features?: { enum_type?: string } })._features?.enum_type === 'CLOSED';
  const isNullValue = e.fullName === '.google.protobuf.NullValue';
  const kind = e.fullName.slice(1);
  return (v) => {
    if (typeof v === 'string') {
      const n = byName[v];
      if (n !== undefined) return n;
      return fail(`unknown value ${JSON.stringify(v)} for enum ${kind}`);
    }
    if (typeof v === 'number' && (v | 0) === v) {
      if ((closed || isNullValue) && e.valuesById[v] === undefined) return fail(`unknown value ${v} for enum ${kind}`);
      return v;
    }
    if (v === null && isNullValue) return 0;
    if (typeof v === 'number' || typeof v === 'bigint') return fail(`${describe(v)} is not a valid value for enum ${kind}`);
    return fail(`expected enum ${kind} (name or number), got ${describe(v)}`);
  };
}

/** The converter of a scalar field type, by protobufjs type name. */
export function scalarIn(type: string): ScalarIn {
  const unsigned = int64Unsigned(type);
  if (unsigned !== undefined) return int64In(type, unsigned);
  switch (type) {
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return int32In(type);
    case 'uint32':
    case 'fixed32':
      return uint32In(type);
    case 'float':
      return floatIn(true);
    case 'double':
      return floatIn(false);
    case 'bool':
      return boolIn;
    case 'string':
      return stringIn;
    case 'bytes':
      return bytesIn;
    default:
      throw new Error(`unsupported scalar type ${type}`);
  }
}

/**
 * Map keys arrive as JSON object keys (strings) and are converted to the key type's native value.
 * Integer keys must be decimal (no exponent forms; a sign and leading zeros are fine, as in
 * protojson), bool keys exactly "true" or "false".
 */
export function mapKeyIn(keyType: string): (key: string) => any {
  switch (keyType) {
    case 'string':
      return (k) => {
        if (!isWellFormed(k)) fail('map key holds an unpaired surrogate');
        return k;
      };
    case 'bool':
      return (k) => {
        if (k !== 'true' && k !== 'false') fail(`map key ${JSON.stringify(k)} is not "true" or "false"`);
        return k === 'true';
      };
    default: {
      const conv = scalarIn(keyType);
      // Unsigned keys take no sign at all (Go's ParseUint); "-1" gets the range error of its type.
      const unsigned = keyType.startsWith('u') || keyType === 'fixed32' || keyType === 'fixed64';
      return (k) => {
        if (!SIGNED_KEY.test(k) || (unsigned && !UNSIGNED_KEY.test(k) && !/^-\d*[1-9]/.test(k))) fail(`map key ${JSON.stringify(k)} is not ${article(keyType)}`);
        return conv(DECIMAL_INT.test(k) ? k : k.replace(/^\+/, '').replace(/^(-?)0+(?=\d)/, '$1'));
      };
    }
  }
}

function article(kind: string): string {
  return (/^[aeiou]/.test(kind) ? 'an ' : 'a ') + kind;
}
