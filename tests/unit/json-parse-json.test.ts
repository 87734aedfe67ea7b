import { MeshError } from '../../src/errors/mesh-error';
import { parseJson } from '../../src/json/parse-json';

function errorOf(text: string): MeshError {
  try {
    parseJson(text);
  } catch (err) {
    return err as MeshError;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
}

describe('parseJson', () => {
  test('takes JSON.parse for ordinary bodies', () => {
    expect(parseJson('{"a": [1, 2.5, -3e2, true, false, null, "x\\u00e9\\n"]}')).toEqual({ a: [1, 2.5, -300, true, false, null, 'xé\n'] });
    expect(parseJson('123456789012345')).toBe(123456789012345);
  });

  test('keeps every digit of 64-bit integers as bigint', () => {
    expect(parseJson('9223372036854775807')).toBe(9223372036854775807n);
    expect(parseJson('-9223372036854775808')).toBe(-9223372036854775808n);
    expect(parseJson('18446744073709551615')).toBe(18446744073709551615n);
    expect(parseJson('{"id": 9223372036854775807, "list": [18446744073709551615, 1]}')).toEqual({
      id: 9223372036854775807n,
      list: [18446744073709551615n, 1],
    });
  });

  test('integers within the safe range stay numbers even on the exact path', () => {
    expect(parseJson('[9007199254740991, -9007199254740991, 1]')).toEqual([9007199254740991, -9007199254740991, 1]);
    expect(parseJson('9007199254740992')).toBe(9007199254740992n);
    expect(parseJson('-9007199254740992')).toBe(-9007199254740992n);
  });

  test('fractions and exponents stay numbers on the exact path', () => {
    expect(parseJson('[12345678901234567.5, 1e400, 1234567890123456789e-3]')).toEqual([Number('12345678901234567.5'), Infinity, Number('1234567890123456789e-3')]);
  });

  test('the exact path parses everything JSON.parse does, the same way', () => {
    const doc = '{"s": "tab\\t quote\\" slash\\/ back\\\\ \\b\\f\\r \\ud83d\\ude00", "n": [0, -0, 1.5e-3, 2E+2], "o": {"": {}}, "b": [true, false, null], "big": 12345678901234567890}';
    const expected = JSON.parse(doc.replace('12345678901234567890', '0'));
    expected.big = 12345678901234567890n;
    expect(parseJson(doc)).toEqual(expected);
    expect(parseJson(' \n\t\r[ ] ')).toEqual([]);
  });

  test('duplicate keys are refused (protojson refuses them; JSON.parse would keep the last one)', () => {
    expect(() => parseJson('{"a": 1, "a": 2}')).toThrow('invalid JSON: duplicate key "a" at position 9');
    expect(() => parseJson('{"a": 1, "a": 9223372036854775807}')).toThrow('invalid JSON: duplicate key "a" at position 9');
  });

  test('"__proto__" is an own member, not the prototype', () => {
    for (const text of ['{"__proto__": {"x": 1}}', '{"__proto__": {"x": 1}, "n": 12345678901234567890}']) {
      const v = parseJson(text) as Record<string, unknown>;
      expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
      expect(Object.keys(v)[0]).toBe('__proto__');
      expect((v as { x?: number }).x).toBeUndefined();
    }
  });

  test.each([
    ['', 'invalid JSON: empty body at position 0'],
    ['   ', 'invalid JSON: unexpected end of input at position 3'],
    ['{"a": }', 'invalid JSON: unexpected character "}" at position 6'],
    ['{"a": 1,}', 'invalid JSON: expected a string key, got character "}" at position 8'],
    ['[1 2]', "invalid JSON: expected ',' or ']', got character \"2\" at position 3"],
    ['{"a" 1}', "invalid JSON: expected ':', got character \"1\" at position 5"],
    ['01', 'invalid JSON: unexpected character "1" after the value at position 1'],
    ['1.', 'invalid JSON: invalid number at position 0'],
    ['-', 'invalid JSON: invalid number at position 0'],
    ['"abc', 'invalid JSON: unterminated string at position 4'],
    ['"a\\x"', 'invalid JSON: invalid escape at position 2'],
    ['"\\u12G4"', 'invalid JSON: invalid \\u escape at position 1'],
    ['"a\nb"', 'invalid JSON: control character in string at position 2'],
    ['tru', 'invalid JSON: unexpected character "t" at position 0'],
    ['0000000000000000', 'invalid JSON: unexpected character "0" after the value at position 1'],
    ['{} {}', 'invalid JSON: unexpected character "{" after the value at position 3'],
    ['NaN', 'invalid JSON: unexpected character "N" at position 0'],
    ["{'a': 1}", 'invalid JSON: expected a string key, got character "\'" at position 1'],
  ])('refuses %j', (text, message) => {
    const err = errorOf(text);
    expect(err).toBeInstanceOf(MeshError);
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toBe(message);
  });

  test('the exact path refuses invalid JSON too, with its position', () => {
    const err = errorOf('{"id": 9223372036854775807,}');
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toBe('invalid JSON: expected a string key, got character "}" at position 27');
  });

  test('refuses absurd nesting instead of overflowing the stack', () => {
    const deep = '['.repeat(5000) + '12345678901234567' + ']'.repeat(5000);
    expect(errorOf(deep).message).toMatch(/^invalid JSON: nesting too deep at position \d+$/);
  });
});
