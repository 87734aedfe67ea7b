import { parseJson } from '../../src/json/parse-json';
import { integralValue } from '../../src/json/integral-value';
import { protoCodec } from '../../adapters/grpc/codec/proto-codec';
import * as protobuf from 'protobufjs';

/** 64-bit integers written with a fraction or an exponent keep every digit, as protoc's parser does. */
describe('integral numbers beyond 2^53 in any notation', () => {
  test.each([
    ['{"a":1.2345678901234567891e19}', 12345678901234567891n],
    ['{"a":12345678901234567e2}', 1234567890123456700n],
    ['{"a":9223372036854775807.0}', 9223372036854775807n],
    ['{"a":123456789012345e4}', 1234567890123450000n],
    ['{"a":-9.223372036854775808E+18}', -9223372036854775808n],
    ['{"a":1E19}', 10000000000000000000n],
  ])('%s', (text, expected) => {
    expect(parseJson(text)).toEqual({ a: expected });
  });

  test('fractions, safe values, huge exponents and strings are left alone', () => {
    expect(parseJson('[1.5, 2e15, 1e400, 0.5e1]')).toEqual([1.5, 2e15, Infinity, 5]);
    expect(parseJson('{"s":"x1e20 123456789012345678"}')).toEqual({ s: 'x1e20 123456789012345678' });
    expect(integralValue('1234567890123456789e-1')).toBeUndefined();
    expect(integralValue('0123')).toBeUndefined();
  });

  test('invalid numbers are still refused', () => {
    expect(() => parseJson('{"a":1e}')).toThrow(/invalid JSON/);
    expect(() => parseJson('{"a":01e19}')).toThrow(/invalid JSON/);
  });

  test('an int64 field gets the exact value, a double field the nearest double', () => {
    const root = protobuf.parse('syntax = "proto3"; message M { int64 i = 1; double d = 2; float f = 3; }').root;
    const M = root.lookupType('M');
    const codec = protoCodec(M);
    const bytes = codec.encode(parseJson('{"i":9.223372036854775807e18,"d":1e20}'));
    expect(codec.toJson(bytes, { int64AsNumber: false })).toBe('{"i":"9223372036854775807","d":100000000000000000000}');
  });

  test('a float as Java prints Float.MAX_VALUE is in range; beyond what rounds to a float is not', () => {
    const root = protobuf.parse('syntax = "proto3"; message F { float f = 1; }').root;
    const codec = protoCodec(root.lookupType('F'));
    const bytes = codec.encode(parseJson('{"f":3.4028235e38}'));
    expect(codec.toJson(bytes, { int64AsNumber: false })).toBe('{"f":3.4028235e+38}');
    expect(() => codec.encode(parseJson('{"f":3.5e38}'))).toThrow(/out of range/);
  });
});
