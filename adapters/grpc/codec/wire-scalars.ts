import * as protobuf from 'protobufjs';
import type { JsonValue } from '../../../src/json/json-value';
import { enumIn, isWellFormed, scalarIn, type ScalarIn } from './scalars-in';
import type { WireWriter } from './wire-writer';

/**
 * Each scalar kind as the message writers need it: its wire type, the strict JSON converter
 * (scalars-in.ts), the writer of the converted value, and field writers that skip the default
 * value where proto3 implicit presence says so. The default tests are protobufjs' own
 * (encoder.js), so the bytes are the ones it would write: -0.0 is written, an enum compares
 * with its first value.
 */
export interface WireKind {
  readonly wireType: number;
  readonly conv: ScalarIn;
  readonly put: (w: WireWriter, x: any) => void;
  /** Repeated fields of this kind are packed unless the IDL says `[packed = false]`. */
  readonly packable: boolean;
  /** Tag and value of a field without presence: nothing at all when the value is the default. */
  readonly implicit: (tag: number) => ValueWrite;
  /** Tag and value, whatever the value. */
  readonly element: (tag: number) => ValueWrite;
}

export type ValueWrite = (v: JsonValue, w: WireWriter) => void;

const VARINT = 0;
const FIXED64 = 1;
const LENGTH = 2;
const FIXED32 = 5;

const isZero = (x: number): boolean => x === 0;
const isZero64 = (x: number | bigint): boolean => x === 0 || x === 0n;
const isPlusZero = (x: number): boolean => Object.is(x, 0);

type Writers = Pick<WireKind, 'implicit' | 'element'>;

function kind(type: string, wireType: number, isDefault: (x: any) => boolean, put: (w: WireWriter, x: any) => void, fast?: (conv: ScalarIn) => Writers): WireKind {
  const conv = scalarIn(type);
  const writers: Writers = fast?.(conv) ?? {
    implicit: (tag) => (v, w) => {
      const x = conv(v);
      if (isDefault(x)) return;
      w.varint32(tag);
      put(w, x);
    },
    element: (tag) => (v, w) => {
      const x = conv(v);
      w.varint32(tag);
      put(w, x);
    },
  };
  return { wireType, conv, put, packable: wireType !== LENGTH, ...writers };
}

/*
 * The JSON types requests are mostly made of get writers of their own, where a value that is
 * already in native form skips the converter and nothing goes through a closure per step: about
 * 15% of the encoding time on the benchmark message. Anything else takes the converter, which
 * also produces every error message.
 */

const fastString = (conv: ScalarIn): Writers => ({
  implicit: (tag) => (v, w) => {
    const s: string = typeof v === 'string' && isWellFormed(v) ? v : conv(v);
    if (s === '') return;
    w.varint32(tag);
    w.string(s);
  },
  element: (tag) => (v, w) => {
    const s: string = typeof v === 'string' && isWellFormed(v) ? v : conv(v);
    w.varint32(tag);
    w.string(s);
  },
});

const fastInt32 = (conv: ScalarIn): Writers => ({
  implicit: (tag) => (v, w) => {
    const n: number = typeof v === 'number' && (v | 0) === v ? v : conv(v);
    if (n === 0) return;
    w.varint32(tag);
    w.int32(n);
  },
  element: (tag) => (v, w) => {
    const n: number = typeof v === 'number' && (v | 0) === v ? v : conv(v);
    w.varint32(tag);
    w.int32(n);
  },
});

const fastInt64 = (conv: ScalarIn): Writers => ({
  implicit: (tag) => (v, w) => {
    const n: number | bigint = typeof v === 'number' && Number.isSafeInteger(v) ? v : conv(v);
    if (n === 0 || n === 0n) return;
    w.varint32(tag);
    w.int64(n);
  },
  element: (tag) => (v, w) => {
    const n: number | bigint = typeof v === 'number' && Number.isSafeInteger(v) ? v : conv(v);
    w.varint32(tag);
    w.int64(n);
  },
});

const fastBool = (conv: ScalarIn): Writers => ({
  implicit: (tag) => (v, w) => {
    const b: boolean = typeof v === 'boolean' ? v : conv(v);
    if (!b) return;
    w.varint32(tag);
    w.bool(b);
  },
  element: (tag) => (v, w) => {
    const b: boolean = typeof v === 'boolean' ? v : conv(v);
    w.varint32(tag);
    w.bool(b);
  },
});

const fastDouble = (conv: ScalarIn): Writers => ({
  implicit: (tag) => (v, w) => {
    const n: number = typeof v === 'number' && Number.isFinite(v) ? v : conv(v);
    if (Object.is(n, 0)) return;
    w.varint32(tag);
    w.double(n);
  },
  element: (tag) => (v, w) => {
    const n: number = typeof v === 'number' && Number.isFinite(v) ? v : conv(v);
    w.varint32(tag);
    w.double(n);
  },
});

const KINDS: Record<string, WireKind> = {
  int32: kind('int32', VARINT, isZero, (w, x: number) => w.int32(x), fastInt32),
  uint32: kind('uint32', VARINT, isZero, (w, x: number) => w.varint32(x)),
  sint32: kind('sint32', VARINT, isZero, (w, x: number) => w.sint32(x)),
  fixed32: kind('fixed32', FIXED32, isZero, (w, x: number) => w.fixed32(x)),
  sfixed32: kind('sfixed32', FIXED32, isZero, (w, x: number) => w.fixed32(x)),
  int64: kind('int64', VARINT, isZero64, (w, x: number | bigint) => w.int64(x), fastInt64),
  uint64: kind('uint64', VARINT, isZero64, (w, x: number | bigint) => w.int64(x)),
  sint64: kind('sint64', VARINT, isZero64, (w, x: number | bigint) => w.sint64(x)),
  fixed64: kind('fixed64', FIXED64, isZero64, (w, x: number | bigint) => w.fixed64(x)),
  sfixed64: kind('sfixed64', FIXED64, isZero64, (w, x: number | bigint) => w.fixed64(x)),
  float: kind('float', FIXED32, isPlusZero, (w, x: number) => w.float(x)),
  double: kind('double', FIXED64, isPlusZero, (w, x: number) => w.double(x), fastDouble),
  bool: kind('bool', VARINT, (x: boolean) => x === false, (w, x: boolean) => w.bool(x), fastBool),
  string: kind('string', LENGTH, (x: string) => x === '', (w, x: string) => w.string(x), fastString),
  bytes: kind('bytes', LENGTH, (x: Uint8Array) => x.length === 0, (w, x: Uint8Array) => w.bytes(x)),
};

export function scalarKind(type: string): WireKind {
  const k = KINDS[type];
  if (!k) throw new Error(`unsupported scalar type ${type}`);
  return k;
}

/** An enum is an int32 on the wire; its implicit default is its first value (0 in proto3). */
export function enumKind(e: protobuf.Enum, typeDefault: unknown): WireKind {
  const conv = enumIn(e);
  return {
    wireType: VARINT,
    conv,
    put: (w, x: number) => w.int32(x),
    packable: true,
    implicit: (tag) => (v, w) => {
      const x: number = conv(v);
      if (x === typeDefault) return;
      w.varint32(tag);
      w.int32(x);
    },
    element: (tag) => (v, w) => {
      const x: number = conv(v);
      w.varint32(tag);
      w.int32(x);
    },
  };
}
