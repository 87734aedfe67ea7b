import { describeMethod } from '../../adapters/thrift/thrift-compile';
import type { ThriftMethod } from '../../adapters/thrift/thrift-model';

const thriftRequestExample = (m: ThriftMethod) => describeMethod(m).request;
const thriftResponseExample = (m: ThriftMethod) => describeMethod(m).response;
import { RawJson } from '../../src/json/raw-json';
import { MeshError } from '../../src/errors/mesh-error';
import type { JsonValue } from '../../src/json/json-value';
import { codecMethod, PROTOCOLS, roundTrip } from '../helpers/thrift-codec-idl';
import { DecoderCompiler } from '../../adapters/thrift/codec/thrift-to-json';
import { newReader } from '../../adapters/thrift/codec/protocols';
import { thrownBy } from '../helpers/thrown';

const MAX = '9223372036854775807';
const MIN = '-9223372036854775808';

function encodeError(name: string, args: JsonValue): MeshError {
  const m = codecMethod(name);
  try {
    m.encodeArgs(args, 'binary');
  } catch (err) {
    // Both protocols must refuse the same input with the same message.
    expect(() => m.encodeArgs(args, 'compact')).toThrow((err as Error).message);
    return err as MeshError;
  }
  throw new Error(`expected ${JSON.stringify(args, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))} to be refused`);
}

describe.each(PROTOCOLS)('JSON <-> thrift round trip (%s)', (protocol) => {
  const rt = (name: string, v: JsonValue, asNumber = false) => roundTrip(name, v, protocol, asNumber);
  const s = (v: JsonValue) => JSON.parse(rt('s', v));

  test('bool, byte, i16, i32 at their limits', () => {
    expect(rt('b', true)).toBe('true');
    expect(rt('b', false)).toBe('false');
    expect(s({ by: -128, s: -32768, i: -2147483648 })).toEqual({ by: -128, s: -32768, i: -2147483648 });
    expect(s({ by: 127, s: 32767, i: 2147483647 })).toEqual({ by: 127, s: 32767, i: 2147483647 });
  });

  test('i64 exact from strings, numbers and bigints; written as strings or exact numbers', () => {
    expect(rt('l', MAX)).toBe(`"${MAX}"`);
    expect(rt('l', MIN)).toBe(`"${MIN}"`);
    expect(rt('l', 9223372036854775807n)).toBe(`"${MAX}"`);
    expect(rt('l', 42)).toBe('"42"');
    expect(rt('l', -1)).toBe('"-1"');
    expect(rt('l', 0)).toBe('"0"');
    expect(rt('l', 2 ** 53)).toBe('"9007199254740992"');
    expect(rt('l', '-4503599627370497')).toBe('"-4503599627370497"');
    expect(rt('l', '-12345678901234')).toBe('"-12345678901234"');
    expect(rt('l', '000000000000042')).toBe('"42"');
    expect(rt('l', Number.MAX_SAFE_INTEGER)).toBe('"9007199254740991"');
    expect(rt('l', -Number.MAX_SAFE_INTEGER)).toBe('"-9007199254740991"');
    expect(rt('l', -4294967297)).toBe('"-4294967297"');
    expect(rt('l', MAX, true)).toBe(MAX);
    expect(rt('l', MIN, true)).toBe(MIN);
    expect(rt('l', '12', true)).toBe('12');
    expect(rt('s', { l: '1', sl: ['5', 6] }, true)).toBe('{"l":1,"sl":[5,6]}');
  });

  test('double, with NaN and infinities as strings', () => {
    expect(rt('d', 1.5)).toBe('1.5');
    expect(rt('d', -0.1)).toBe('-0.1');
    expect(rt('d', 1e300)).toBe('1e+300');
    expect(rt('d', 5e-324)).toBe('5e-324');
    expect(rt('d', 3)).toBe('3');
    expect(rt('d', 'NaN')).toBe('"NaN"');
    expect(rt('d', 'Infinity')).toBe('"Infinity"');
    expect(rt('d', '-Infinity')).toBe('"-Infinity"');
  });

  test('string, any Unicode, escaped on output', () => {
    const text = 'h\u00e9llo \u2603 \ud83d\ude00 "q" \\ \n\t\u0001';
    expect(JSON.parse(rt('str', text))).toBe(text);
    expect(rt('str', '')).toBe('""');
    const long = 'x'.repeat(70000);
    expect(JSON.parse(rt('str', long))).toBe(long);
  });

  test('binary as base64 (url-safe accepted, standard written)', () => {
    expect(s({ bin: 'AAECAw==' })).toEqual({ bin: 'AAECAw==' });
    expect(s({ bin: '' })).toEqual({ bin: '' });
    expect(s({ bin: '-_8' })).toEqual({ bin: '+/8=' });
  });

  test('enums by name, numbers accepted, unknown numbers from the wire as numbers', () => {
    expect(rt('color', 'BLUE')).toBe('"BLUE"');
    expect(rt('color', 1)).toBe('"RED"');
    const m = codecMethod('s');
    const wide = codecMethod('wide').encodeArgs({ v: { c: 3 } }, protocol);
    expect(m.decodeResult(wide, protocol, { int64AsNumber: false })).toBe('{"c":3}');
  });

  test('lists and sets as arrays, nested', () => {
    expect(rt('li', [])).toBe('[]');
    expect(rt('li', [1, -2, 3])).toBe('[1,-2,3]');
    const many = Array.from({ length: 300 }, (_, i) => i - 150);
    expect(JSON.parse(rt('li', many))).toEqual(many);
    expect(s({ ss: ['a', 'b'], ll: [[], ['x', 'y']], lb: [true, false, true], lp: [{ x: 1 }, { y: 2 }] })).toEqual({
      ss: ['a', 'b'],
      ll: [[], ['x', 'y']],
      lb: [true, false, true],
      lp: [{ x: 1 }, { y: 2 }],
    });
  });

  test('maps with string, integer and enum keys as objects', () => {
    const v = {
      ms: { a: 1, 'with "quote"': 2 },
      mi: { '-5': 'minus', '7': 'seven' },
      ml: { [MAX]: 'max', [MIN]: 'min' },
      me: { BLUE: 1, '1': 2 },
      mby: { '-128': 1 },
      m16: { '32767': 2 },
      mlp: { k: [{ x: 1 }] },
    };
    expect(s(v)).toEqual({ ...v, mi: { '7': 'seven', '-5': 'minus' }, me: { BLUE: 1, RED: 2 } });
    expect(s({ ms: {} })).toEqual({ ms: {} });
    expect(JSON.parse(rt('ml', { '123456789012345678': 'a' }))).toEqual({ '123456789012345678': 'a' });
  });

  test('maps with other key types as [key, value] pairs', () => {
    const v = {
      mp: [[{ x: 1, y: 2 }, 'a'], [{}, 'b']],
      mb: [[true, 1], [false, 0]],
      md: [[1.5, 1], [-2, 2]],
      mbin: [['AAE=', 1]],
      mlist: [[[1, 2], 3]],
    };
    expect(s(v)).toEqual(v);
    expect(s({ mp: [] })).toEqual({ mp: [] });
  });

  test('structs nest and recurse; null means unset', () => {
    expect(s({ self: { self: { i: 1 } }, str: 'top' })).toEqual({ str: 'top', self: { self: { i: 1 } } });
    expect(s({ b: null, str: null, self: null })).toEqual({});
    expect(rt('req', { a: 1, note: null })).toBe('{"a":1}');
  });

  test('a union with exactly one member (null members do not count)', () => {
    expect(rt('u', { a: 'x' })).toBe('{"a":"x"}');
    expect(rt('u', { p: { x: 1 }, b: null })).toBe('{"p":{"x":1}}');
  });

  test('fields come out in wire order with IDL names', () => {
    expect(rt('req', { plain: 'p', note: 'n', a: 0 })).toBe('{"a":0,"note":"n","plain":"p"}');
  });
});

describe('strict input: INVALID_ARGUMENT naming the JSON path', () => {
  const cases: [string, string, JsonValue, string][] = [
    ['byte too big', 's', { v: { by: 128 } }, 'v.by: 128 is out of range for byte'],
    ['byte too small', 's', { v: { by: -129 } }, 'v.by: -129 is out of range for byte'],
    ['i16 too big', 's', { v: { s: 32768 } }, 'v.s: 32768 is out of range for i16'],
    ['i32 too big', 's', { v: { i: 2147483648 } }, 'v.i: 2147483648 is out of range for i32'],
    ['i32 huge bigint', 's', { v: { i: 99999999999999999999n } }, 'v.i: 99999999999999999999 is out of range for i32'],
    ['i32 fraction', 's', { v: { i: 1.5 } }, 'v.i: expected an integer (i32), got a number'],
    ['i32 as string', 's', { v: { i: '5' } }, 'v.i: expected an integer (i32), got a string'],
    ['i64 junk string', 'l', { v: '12a' }, 'v: expected an integer (i64), got the string "12a"'],
    ['i64 fraction', 'l', { v: 1.5 }, 'v: expected an integer (i64), got a number'],
    ['i64 above max', 'l', { v: '9223372036854775808' }, 'v: 9223372036854775808 is out of range for i64'],
    ['i64 below min', 'l', { v: -9223372036854775809n }, 'v: -9223372036854775809 is out of range for i64'],
    ['i64 bool', 'l', { v: true }, 'v: expected an integer (i64) as a number or a string, got a boolean'],
    ['bool as number', 'b', { v: 1 }, 'v: expected a boolean, got an integer'],
    ['double as string', 'd', { v: '1.5' }, 'v: expected a number (double), got a string'],
    ['string as number', 'str', { v: 5 }, 'v: expected a string, got an integer'],
    ['bad base64', 's', { v: { bin: 'not base64!' } }, 'v.bin: expected base64 text (binary), got a string'],
    ['unknown enum name', 'color', { v: 'PURPLE' }, 'v: unknown value "PURPLE" for enum codec.Color'],
    ['unknown enum number', 'color', { v: 3 }, 'v: unknown value 3 for enum codec.Color'],
    ['list element', 'li', { v: [1, 2, 'x'] }, 'v[2]: expected an integer (i32), got a string'],
    ['null list element', 'li', { v: [1, null] }, 'v[1]: null is not allowed in a list'],
    ['list not array', 'li', { v: { a: 1 } }, 'v: expected an array, got an object'],
    ['map value', 's', { v: { ms: { k: 'x' } } }, 'v.ms["k"]: expected an integer (i32), got a string'],
    ['null map value', 's', { v: { ms: { k: null } } }, 'v.ms["k"]: null is not allowed as a map value'],
    ['integer map key', 's', { v: { mi: { abc: 'x' } } }, 'v.mi["abc"]: map key must be a decimal integer (i32)'],
    ['integer map key range', 's', { v: { mi: { '99999999999': 'x' } } }, 'v.mi["99999999999"]: 99999999999 is out of range for i32'],
    ['i64 map key', 'ml', { v: { '1.5': 'x' } }, 'v["1.5"]: expected an integer (i64), got the string "1.5"'],
    ['enum map key', 's', { v: { me: { PINK: 1 } } }, 'v.me["PINK"]: unknown value "PINK" for enum codec.Color'],
    ['pair map as object', 's', { v: { mp: { a: 'b' } } }, 'v.mp: expected an array of [key, value] pairs (map), got an object'],
    ['pair key', 's', { v: { mp: [[{ x: 'a' }, 's']] } }, 'v.mp[0][0].x: expected an integer (i32), got a string'],
    ['pair value', 's', { v: { mb: [[true, 1], [false, 'no']] } }, 'v.mb[1][1]: expected an integer (i32), got a string'],
    ['not a pair', 's', { v: { mp: [[{ x: 1 }, 'a'], ['x']] } }, 'v.mp[1]: expected a [key, value] pair, got an array'],
    ['list of structs', 's', { v: { lp: [{ x: 1 }, { y: 'two' }] } }, 'v.lp[1].y: expected an integer (i32), got a string'],
    ['map of lists of structs', 's', { v: { mlp: { k: [{ x: 1, z: 2 }] } } }, 'v.mlp["k"][0].z: unknown field'],
    ['deep recursion', 's', { v: { self: { self: { i: 'x' } } } }, 'v.self.self.i: expected an integer (i32), got a string'],
    ['unknown field', 's', { v: { zzz: 1 } }, 'v.zzz: unknown field'],
    ['unknown argument', 's', { v: {}, w: 1 }, 'w: unknown field'],
    ['args not an object', 's', [1] as JsonValue, 'expected an object, got an array'],
    ['struct not an object', 's', { v: { self: 'x' } }, 'v.self: expected an object, got a string'],
    ['required missing', 'req', { v: { note: 'n' } }, 'v.a: required field is missing'],
    ['required null', 'req', { v: { a: null } }, 'v.a: required field is missing'],
    ['union with two members', 'u', { v: { a: 'x', b: 1 } }, 'v: union codec.U needs exactly one member, got 2 (a, b)'],
    ['union with none', 'u', { v: {} }, 'v: union codec.U needs exactly one member, got 0'],
    ['union in a struct', 's', { v: { u: { a: null } } }, 'v.u: union codec.U needs exactly one member, got 0'],
  ];
  test.each(cases)('%s', (_what, method, args, message) => {
    const err = encodeError(method, args);
    expect(err).toBeInstanceOf(MeshError);
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toBe(message);
  });
});

describe.each(PROTOCOLS)('decodeResult (%s)', (protocol) => {
  const opts = { int64AsNumber: false };

  test('void is {}; a void reply with an unknown field is still {}', () => {
    expect(codecMethod('nothing').decodeResult(Buffer.from([0]), protocol, opts)).toBe('{}');
    const extra = codecMethod('wide').encodeArgs({ v: { c: 1 } }, protocol);
    expect(codecMethod('nothing').decodeResult(extra, protocol, opts)).toBe('{}');
  });

  test('no field set for a non-void method is INTERNAL missing result', () => {
    const err = catchError(() => codecMethod('l').decodeResult(Buffer.from([0]), protocol, opts));
    expect(err.code).toBe('INTERNAL');
    expect(err.message).toMatch(/missing result/);
  });

  test('a reply missing a required field is INTERNAL naming the field', () => {
    const bytes = codecMethod('loose').encodeArgs({ v: { plain: 'x' } }, protocol);
    const err = catchError(() => codecMethod('req').decodeResult(bytes, protocol, opts));
    expect(err.code).toBe('INTERNAL');
    expect(err.message).toMatch(/a: required field is missing/);
  });

  test('unknown fields and fields of an unexpected wire type are skipped', () => {
    const bytes = codecMethod('loose').encodeArgs({ v: { a: 1, extra: 'new', plain: 'p' } }, protocol);
    expect(codecMethod('req').decodeResult(bytes, protocol, opts)).toBe('{"a":1,"plain":"p"}');
    const wide = codecMethod('wide').encodeArgs({ v: { l: 'not an i64', c: 1 } }, protocol);
    expect(codecMethod('s').decodeResult(wide, protocol, opts)).toBe('{"c":"RED"}');
  });

  test('a declared exception with transmesh.code', () => {
    const bytes = codecMethod('raise').encodeArgs({ boom: { message: 'it broke', id: MAX } }, protocol);
    const err = catchError(() => codecMethod('fails').decodeResult(bytes, protocol, { int64AsNumber: false }));
    expect(err.code).toBe('FAILED_PRECONDITION');
    expect(err.message).toBe('it broke');
    expect(err.extra).toEqual({ thrift: { exception: 'codec.Boom', value: { message: 'it broke', id: MAX } } });
    // With exact numbers asked for, the value stays JSON text so no digit is lost.
    const asNumbers = catchError(() => codecMethod('fails').decodeResult(bytes, protocol, { int64AsNumber: true }));
    expect(asNumbers.extra).toEqual({ thrift: { exception: 'codec.Boom', value: new RawJson(`{"message":"it broke","id":${MAX}}`) } });
  });

  test('an empty message falls back to the type name', () => {
    const bytes = codecMethod('raise').encodeArgs({ boom: { message: '' } }, protocol);
    expect(catchError(() => codecMethod('fails').decodeResult(bytes, protocol, opts)).message).toBe('codec.Boom');
  });

  test('a declared exception without annotation or message is UNKNOWN named by its type', () => {
    const bytes = codecMethod('raise').encodeArgs({ bare: { why: 3 } }, protocol);
    const err = catchError(() => codecMethod('fails').decodeResult(bytes, protocol, opts));
    expect(err.code).toBe('UNKNOWN');
    expect(err.message).toBe('codec.Bare');
    expect(err.extra).toEqual({ thrift: { exception: 'codec.Bare', value: { why: 3 } } });
  });

  test('truncated or garbage bytes are INTERNAL, never a hang or a crash', () => {
    const good = codecMethod('s').encodeArgs({ v: { str: 'hello', li: [1, 2, 3], l: '5' } }, protocol);
    for (let cut = 0; cut < good.length; cut++) {
      const err = catchError(() => codecMethod('s').decodeResult(good.subarray(0, cut), protocol, opts));
      expect(err.code).toBe('INTERNAL');
    }
    const err = catchError(() => codecMethod('s').decodeResult(Buffer.from([0x0c, 0, 0, 0xee, 0, 1]), protocol, opts));
    expect(err.code).toBe('INTERNAL');
  });
});

describe('examples', () => {
  test('request examples set every argument, are valid input for every method and decode back as they went in', () => {
    // The provider's side of the hop: the argument struct read back as JSON.
    const decoders = new DecoderCompiler();
    for (const name of ['s', 'req', 'loose', 'l', 'str', 'd', 'b', 'color', 'u', 'li', 'ml', 'nothing', 'fails', 'fire', 'wide', 'raise']) {
      const m = codecMethod(name);
      const example = thriftRequestExample(m);
      expect(Object.keys(example as object)).toEqual(m.def.args.map((f) => f.name));
      const readArgs = decoders.structDecoder({ name: `${name}_args`, kind: 'struct', fields: [...m.def.args], annotations: {} });
      for (const protocol of PROTOCOLS) {
        const back = readArgs(newReader(protocol, m.encodeArgs(example, protocol)), { int64AsNumber: false });
        expect(JSON.parse(back)).toEqual(example);
      }
    }
  });

  test('shapes follow the mapping', () => {
    const v = (thriftRequestExample(codecMethod('s')) as { v: Record<string, JsonValue> }).v;
    expect(Object.keys(v)).toHaveLength(29);
    expect(v).toMatchObject({ b: true, l: '1', d: 1.5, str: 'text', c: 'RED', ms: { text: 1 }, mi: { '1': 'text' }, me: { RED: 1 } });
    expect(v.mp).toEqual([[{ x: 1, y: 1 }, 'text']]);
    expect(v.u).toEqual({ a: 'text' });
    expect(v.self).toEqual({});
    expect(thriftResponseExample(codecMethod('nothing'))).toEqual({});
    expect(thriftResponseExample(codecMethod('l'))).toBe('1');
    expect(thriftRequestExample(codecMethod('fails'))).toEqual({ a: 1, b: 'text' });
  });
});

function catchError(fn: () => unknown): MeshError {
  return thrownBy(fn, MeshError);
}
