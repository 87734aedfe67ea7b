import type * as protobuf from 'protobufjs';
import { protoCodec } from '../../adapters/grpc/codec/proto-codec';
import { compileProto } from '../../adapters/grpc/proto-compile';
import { parseJson } from '../../src/json/parse-json';

/**
 * The compiled wire writer against protobufjs' reflection encoder (`fromObject` + `encode`) on
 * valid input: byte for byte the same, for every scalar kind at its edges, packed and unpacked
 * repeated fields, maps, presence, oneofs, large tags, long strings and sub-messages whose
 * lengths take several bytes, and JSON members in any order.
 */

const PROTO = `
syntax = "proto3";
package wire.v1;

enum Kind { KIND_UNSPECIFIED = 0; KIND_A = 1; KIND_B = 2; KIND_NEG = -1; }

message Leaf { string name = 1; int64 n = 2; }

message All {
  int32 i32 = 1; uint32 u32 = 2; sint32 s32 = 3; fixed32 f32 = 4; sfixed32 sf32 = 5;
  int64 i64 = 6; uint64 u64 = 7; sint64 s64 = 8; fixed64 f64 = 9; sfixed64 sf64 = 10;
  float flt = 11; double dbl = 12; bool flag = 13; string text = 14; bytes data = 15; Kind kind = 16;
  repeated int32 p_i32 = 17; repeated sint64 p_s64 = 18; repeated double p_dbl = 19;
  repeated bool p_bool = 20; repeated Kind p_kind = 21; repeated fixed32 p_f32 = 22;
  repeated int32 u_i32 = 23 [packed = false]; repeated sint64 u_s64 = 24 [packed = false];
  repeated double u_dbl = 25 [packed = false]; repeated Kind u_kind = 26 [packed = false];
  repeated string names = 27; repeated bytes blobs = 28; repeated Leaf leaves = 29;
  Leaf leaf = 30; All child = 31;
  map<string, Leaf> by_name = 32; map<int64, string> by_i64 = 33; map<bool, int32> by_bool = 34;
  map<sint32, Kind> by_s32 = 35; map<uint64, bytes> by_u64 = 36; map<fixed64, double> by_f64 = 37;
  optional int32 o_i32 = 38; optional string o_text = 39; optional Kind o_kind = 40;
  optional double o_dbl = 41; optional bool o_flag = 42; optional int64 o_i64 = 43;
  oneof choice { string c_text = 44; int64 c_i64 = 45; Leaf c_leaf = 46; Kind c_kind = 47; }
  int32 far = 1000;
  repeated uint64 p_far = 20000;
}
`;

const { root } = compileProto({ 'wire.proto': PROTO });
const All = root.lookupType('wire.v1.All');
const codec = protoCodec(All);

/** Text with bigint values written as bare JSON numbers. */
function jsonText(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `@big${v}@` : v)).replace(/"@big(-?\d+)@"/g, '$1');
}

/** What fromObject takes: 64-bit values as decimal strings. */
function forProtobufjs(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** `ours` keyed by JSON or proto names as given; `theirs` keyed by protobufjs field names. */
function expectSameBytes(ours: Record<string, unknown>, theirs: Record<string, unknown>, type: protobuf.Type = All): void {
  const mine = protoCodec(type).encode(parseJson(jsonText(ours)));
  const reference = type.encode(type.fromObject(forProtobufjs(theirs) as Record<string, unknown>)).finish();
  expect(hex(mine)).toBe(hex(reference));
}

describe('wire bytes equal protobufjs fromObject + encode', () => {
  test.each<[string, Record<string, unknown>]>([
    ['int32 edges (negative is ten bytes)', { i32: -1, u32: 4294967295, s32: -2147483648, f32: 4294967295, sf32: -2147483648 }],
    ['int32 max', { i32: 2147483647, s32: 2147483647, sf32: 2147483647 }],
    ['64-bit edges', { i64: -9223372036854775808n, u64: 18446744073709551615n, s64: -9223372036854775808n, f64: 18446744073709551615n, sf64: -9223372036854775808n }],
    ['64-bit small and negative', { i64: -1, u64: 1, s64: -1, f64: 4294967296, sf64: -4294967297 }],
    ['64-bit around 2^53 and 2^32', { i64: 9007199254740993n, u64: 4294967295, s64: 9007199254740991, f64: 9007199254740992n, sf64: 2147483648 }],
    ['floats', { flt: 3.4028234663852886e38, dbl: 5e-324 }],
    ['float specials', { flt: 'NaN', dbl: '-Infinity' }],
    ['implicit defaults are not written', { i32: 0, u32: 0, i64: 0, u64: '0', flt: 0, dbl: 0, flag: false, text: '', data: '', kind: 'KIND_UNSPECIFIED' }],
    ['negative enum', { kind: 'KIND_NEG', pKind: ['KIND_NEG', 2, 0], uKind: [-1, 'KIND_A'] }],
    ['optional: set defaults are written', { oI32: 0, oText: '', oKind: 0, oDbl: 0, oFlag: false, oI64: '0' }],
    ['oneof member at its default is written', { cI64: 0 }],
    ['oneof empty message member', { cLeaf: {} }],
    ['oneof enum member at its default', { cKind: 'KIND_UNSPECIFIED' }],
    ['packed', { pI32: [1, -1, 300], pS64: [-1n, 9223372036854775807n, 0], pDbl: [0, 1.5], pBool: [true, false], pF32: [0, 4294967295] }],
    ['unpacked', { uI32: [1, -1, 300], uS64: [-5, 0], uDbl: [0, -2.5] }],
    ['empty repeated fields are not written', { pI32: [], uI32: [], names: [], leaves: [] }],
    ['repeated strings, bytes and messages (defaults written)', { names: ['', 'a', 'é'], blobs: ['', 'AQID'], leaves: [{}, { name: 'x', n: 1 }] }],
    ['maps with every key kind', { byName: { a: { name: 'n' }, '': {} }, byI64: { '-9223372036854775808': 'min', '0': '', '12345678': 'eight' }, byBool: { true: 0, false: -1 }, byS32: { '-5': 'KIND_A', '7': 0 }, byU64: { '18446744073709551615': 'AQ==' }, byF64: { '1': 0, '2': -0.5 } }],
    ['large field numbers', { far: 5, pFar: [1, 18446744073709551615n] }],
    ['nested messages', { leaf: { name: 'leaf', n: -3 }, child: { i32: 1, child: { text: 'deep', leaf: {} } } }],
    ['empty nested message is written', { leaf: {}, child: {} }],
  ])('%s', (_name, value) => {
    expectSameBytes(value, toFieldNames(value));
  });

  test('long strings and sub-messages: one-, two- and three-byte lengths', () => {
    for (const n of [127, 128, 300, 16383, 16384, 70000]) {
      const ascii = 'x'.repeat(n);
      const mixed = 'é😀a'.repeat(Math.ceil(n / 7));
      const value = { text: ascii, names: [mixed, ascii.slice(0, 31) + 'é'], leaf: { name: mixed }, child: { child: { text: ascii, leaves: [{ name: ascii }] } } };
      expectSameBytes(value, toFieldNames(value));
    }
  });

  test('members in any order and under either name are written in field-number order', () => {
    const value = { child: { text: 't', i32: 2 }, p_i32: [3], text: 'a', i32: 1, by_name: { k: { n: 1, name: 'z' } }, oText: '', leaf: { n: 5, name: 'y' } };
    expectSameBytes(value, toFieldNames(value));
  });

  test('out-of-order members at every level of a deep message: bytes are moved, not written again', () => {
    let value: Record<string, unknown> = { text: 'leaf', i32: -1 };
    for (let i = 0; i < 60; i++) value = { child: value, text: 'x'.repeat(i * 3), i32: i, pI32: [i] };
    expectSameBytes(value, toFieldNames(value));
  });

  test('seeded random messages', () => {
    const rnd = seeded(20240601);
    for (let i = 0; i < 300; i++) {
      const value = randomAll(rnd, 2);
      expectSameBytes(value, toFieldNames(value));
    }
  });
});

describe('the writer survives what it reuses', () => {
  test('a refused message leaves nothing behind for the next one', () => {
    expect(() => codec.encode({ text: 'x'.repeat(5000), i32: 'bad' })).toThrow(/i32: expected int32/);
    expectSameBytes({ i32: 1 }, { i32: 1 });
  });

  test('a message larger than the writer grows it, and the result is a copy', () => {
    const first = codec.encode({ text: 'y'.repeat(3_000_000) });
    const second = codec.encode({ text: 'z' });
    expect(first.length).toBe(3_000_000 + 1 + 4);
    expect(first[first.length - 1]).toBe('y'.charCodeAt(0));
    expect(hex(second)).toBe('72017a');
  });
});

/* Random values valid for both converters. */

type Rnd = () => number;

function seeded(seed: number): Rnd {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

function toFieldNames(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const field = All.fields[k] ?? All.fieldsArray.find((f) => f.jsonName === k || f.name.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()) === k);
    if (!field) throw new Error(`no field ${k}`);
    const resolved = field.resolve().resolvedType;
    if (resolved && 'fields' in resolved && (resolved as protobuf.Type).fullName === '.wire.v1.All') {
      if (field.repeated) out[field.name] = (v as Record<string, unknown>[]).map(toFieldNames);
      else out[field.name] = toFieldNames(v as Record<string, unknown>);
    } else out[field.name] = v;
  }
  return out;
}

function randomAll(rnd: Rnd, depth: number): Record<string, unknown> {
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(xs: T[]): T => xs[int(0, xs.length - 1)]!;
  const big = (unsigned: boolean): bigint | number | string => {
    const v = (BigInt(int(0, 0xffffffff)) << 32n) | BigInt(int(0, 0xffffffff));
    const b = unsigned ? BigInt.asUintN(64, v) : BigInt.asIntN(64, v);
    const shaped = pick([b, b >> 40n, 0n, unsigned ? 1n : -1n]);
    return pick(['bigint', 'string', 'number']) === 'string' ? shaped.toString() : Number.isSafeInteger(Number(shaped)) ? Number(shaped) : shaped;
  };
  const str = (): string => pick(['', 'a', 'héllo', '😀', 'x"y\\z', 'long '.repeat(int(0, 40))]);
  const b64 = (): string => Buffer.from(str()).toString('base64');
  const kind = (): string | number => pick(['KIND_UNSPECIFIED', 'KIND_A', 'KIND_NEG', 0, 2, -1]);
  const leaf = (): Record<string, unknown> => (rnd() < 0.5 ? {} : { name: str(), n: big(false) });
  const list = <T>(make: () => T): T[] => Array.from({ length: int(0, 4) }, make);
  const makers: Record<string, () => unknown> = {
    i32: () => int(-2147483648, 2147483647),
    u32: () => int(0, 4294967295),
    s32: () => int(-2147483648, 2147483647),
    f32: () => int(0, 4294967295),
    sf32: () => int(-2147483648, 2147483647),
    i64: () => big(false),
    u64: () => big(true),
    s64: () => big(false),
    f64: () => big(true),
    sf64: () => big(false),
    flt: () => pick([0, Math.fround((rnd() - 0.5) * 1e6), 1.5]),
    dbl: () => pick([0, (rnd() - 0.5) * 10 ** int(-300, 300)]),
    flag: () => rnd() < 0.5,
    text: str,
    data: b64,
    kind,
    pI32: () => list(() => int(-2147483648, 2147483647)),
    pS64: () => list(() => big(false)),
    pDbl: () => list(() => rnd() * 100),
    pBool: () => list(() => rnd() < 0.5),
    pKind: () => list(kind),
    pF32: () => list(() => int(0, 4294967295)),
    uI32: () => list(() => int(-5, 5)),
    uS64: () => list(() => big(false)),
    uDbl: () => list(() => rnd() - 0.5),
    uKind: () => list(kind),
    names: () => list(str),
    blobs: () => list(b64),
    leaves: () => list(leaf),
    leaf,
    child: () => (depth > 0 ? randomAll(rnd, depth - 1) : {}),
    byName: () => Object.fromEntries(list(() => [str(), leaf()])),
    byI64: () => Object.fromEntries(list(() => [String(BigInt.asIntN(64, BigInt(String(big(false))))), str()])),
    byBool: () => Object.fromEntries(list(() => [String(rnd() < 0.5), int(-9, 9)])),
    byS32: () => Object.fromEntries(list(() => [String(int(-2147483648, 2147483647)), kind()])),
    byU64: () => Object.fromEntries(list(() => [String(BigInt.asUintN(64, BigInt(String(big(true))))), b64()])),
    byF64: () => Object.fromEntries(list(() => [String(int(0, 99999)), rnd() * 10])),
    oI32: () => int(-2, 2),
    oText: () => pick(['', 'o']),
    oKind: kind,
    oDbl: () => pick([0, 2.5]),
    oFlag: () => rnd() < 0.5,
    oI64: () => big(false),
    far: () => int(-3, 3),
    pFar: () => list(() => big(true)),
  };
  const out: Record<string, unknown> = {};
  const keys = Object.keys(makers).filter(() => rnd() < 0.35);
  // Shuffled, so the writer's reordering is exercised as often as the in-order path.
  for (let i = keys.length - 1; i > 0; i--) {
    const j = int(0, i);
    [keys[i], keys[j]] = [keys[j]!, keys[i]!];
  }
  for (const k of keys) out[k] = makers[k]!();
  const member = pick(['', 'cText', 'cI64', 'cLeaf', 'cKind']);
  if (member === 'cText') out.cText = str();
  if (member === 'cI64') out.cI64 = big(false);
  if (member === 'cLeaf') out.cLeaf = leaf();
  if (member === 'cKind') out.cKind = kind();
  return out;
}

describe('proto2: presence, required fields and groups', () => {
  const { root: root2 } = compileProto({
    'legacy.proto': `
syntax = "proto2";
package legacy.v1;
message Old {
  required int32 id = 1;
  optional string note = 2 [default = "n/a"];
  repeated int32 plain = 3;
  repeated int32 packed = 4 [packed = true];
  optional group Extra = 5 { optional int32 level = 6; }
  optional Old next = 7;
}`,
  });
  const Old = root2.lookupType('legacy.v1.Old');
  const old = protoCodec(Old);

  test('set defaults are written, repeated fields unpacked unless asked, groups delimited', () => {
    const value = { id: 0, note: '', plain: [1, 2], packed: [3, 4], extra: { level: 0 }, next: { id: 1 } };
    expect(hex(old.encode(parseJson(JSON.stringify(value))))).toBe(hex(Old.encode(Old.fromObject(value)).finish()));
  });

  test('a missing required field is refused, naming the message', () => {
    expect(() => old.encode(parseJson('{"note": "x"}'))).toThrow('missing required field "id"');
    expect(() => old.encode(parseJson('{"id": 1, "next": {"id": null}}'))).toThrow('next: missing required field "id"');
  });
});
