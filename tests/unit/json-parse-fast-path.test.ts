import { ExactParser } from '../../src/json/exact-parser';
import type { JsonValue } from '../../src/json/json-value';
import { parseJson } from '../../src/json/parse-json';

/**
 * parseJson lets JSON.parse parse bodies with big integers (swapping each bare big integer for a
 * placeholder first). The strict parser is the reference: on any text holding a long digit run,
 * parseJson must give the same value, or fail with the same message, as the strict parser alone.
 */

function outcome(parse: () => JsonValue): { value: JsonValue } | { error: string } {
  try {
    return { value: parse() };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function expectAsStrictParser(text: string): void {
  const ours = outcome(() => parseJson(text));
  const reference = outcome(() => new ExactParser(text).parseDocument());
  expect(ours).toEqual(reference);
  if ('value' in ours && 'value' in reference) expect(Object.keys(ours.value ?? {})).toEqual(Object.keys(reference.value ?? {}));
}

describe('parseJson with big integers: the same result as the strict parser', () => {
  test.each([
    // where a bare big integer can stand
    '12345678901234567890',
    '-9223372036854775808',
    '[9223372036854775807,-9223372036854775808, 18446744073709551615 ,\n\t-1]',
    '{"a":9223372036854775807,"b":{"c":[1,{"d":-9223372036854775807}]}}',
    '{ "a" :\n 9223372036854775807 }',
    // big digit runs that are not bare integers
    '{"s": "9223372036854775807", "t": "id: 9223372036854775807, [9223372036854775807"}',
    '{"s": "quote \\" then 9223372036854775807", "n": 9223372036854775807}',
    '{"s": "backslash \\\\", "n": 9223372036854775807, "u": ", 9223372036854775807"}',
    '[1.9223372036854775807, 9223372036854775807.5, 9223372036854775807e2, 1e9223372036854775807, 9223372036854775807E-2]',
    '[9007199254740991, -9007199254740991, 9007199254740992, -9007199254740992, 1000000000000000]',
    // a placeholder look-alike in the body: the strict parser takes over
    '{"s": "\\u00000", "n": 9223372036854775807}',
    '{"s": "\\\\u00000", "n": 9223372036854775807}',
    // duplicate keys and __proto__
    '{"a": 9223372036854775807, "a": 1}',
    '{"a": 1, "a": 9223372036854775807}',
    '{"__proto__": 9223372036854775807, "x": 9223372036854775806}',
    '{"__proto__": {"n": 9223372036854775807}}',
    // invalid text: the strict parser's message and position
    '{"a": 09223372036854775807}',
    '{"a": 9223372036854775807,}',
    '[9223372036854775807 9223372036854775807]',
    '[-9223372036854775807-]',
    '[--9223372036854775807]',
    '[+9223372036854775807]',
    '{"a": .9223372036854775807}',
    '"abc 9223372036854775807',
    '{"a": "x\n", "b": 9223372036854775807}',
    '{"a": 9223372036854775807} x',
    'tru9223372036854775807',
  ])('%s', (text) => {
    expectAsStrictParser(text);
  });

  test('nesting beyond the limit is refused the same way, short or long bodies', () => {
    expectAsStrictParser('['.repeat(1001) + '12345678901234567' + ']'.repeat(1001));
    expectAsStrictParser('[12345678901234567,' + '['.repeat(1001) + ']'.repeat(1001) + ']');
    expectAsStrictParser('[12345678901234567,' + '['.repeat(1000) + ']'.repeat(1000) + ']');
  });

  test('nesting beyond the limit is refused without any big integer too', () => {
    const refused = /invalid JSON: nesting too deep/;
    expect(() => parseJson('['.repeat(5000) + ']'.repeat(5000))).toThrow(refused);
    expect(() => parseJson('{"a":'.repeat(1001) + '1' + '}'.repeat(1001))).toThrow(refused);
    expect(() => parseJson('[1,' + '['.repeat(1001) + ']'.repeat(1001) + ']')).toThrow(refused);
    expectAsStrictParser('['.repeat(1001) + ']'.repeat(1001));
    // exactly at the limit is accepted, by both paths
    expectAsStrictParser('['.repeat(1000) + ']'.repeat(1000));
    expect(parseJson('['.repeat(1000) + ']'.repeat(1000))).toBeInstanceOf(Array);
  });

  test('seeded random documents, and their corruptions', () => {
    let seed = 99;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
    const bigText = (): string => (rnd() < 0.5 ? '-' : '') + String(int(1, 9)) + '0123456789012345678'.slice(0, int(14, 19));
    const ws = (): string => [' ', '', '\n', '\t '][int(0, 3)]!;
    const gen = (depth: number): string => {
      switch (depth > 3 ? int(0, 3) : int(0, 6)) {
        case 0:
          return bigText();
        case 1:
          return [String(int(-99, 99)), '1.5e3', '0', '-0.25', bigText() + '.5'][int(0, 4)]!;
        case 2:
          return JSON.stringify(['', 'x', 'a"b', 'back\\', bigText(), ': ' + bigText(), 'é😀'][int(0, 6)]);
        case 3:
          return ['true', 'false', 'null'][int(0, 2)]!;
        case 4:
        case 5:
          return '[' + Array.from({ length: int(0, 4) }, () => ws() + gen(depth + 1) + ws()).join(',') + ']';
        default:
          return '{' + Array.from({ length: int(0, 4) }, () => `${ws()}${JSON.stringify(['a', 'b', 'id', bigText()][int(0, 3)])}${ws()}:${ws()}${gen(depth + 1)}`).join(',') + '}';
      }
    };
    const junk = ['', ',', '"', '\\', '-', '0', '9', ']', '}', ':', ' ', 'e', '.'];
    for (let i = 0; i < 400; i++) {
      const text = gen(0);
      expectAsStrictParser(text);
      // one character dropped, one inserted: mostly invalid text
      const at = int(0, text.length);
      expectAsStrictParser(text.slice(0, at) + junk[int(0, junk.length - 1)] + text.slice(at + int(0, 1)));
    }
  });
});
