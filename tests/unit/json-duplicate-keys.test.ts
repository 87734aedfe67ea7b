import { parseJson } from '../../src/json/parse-json';

/** A key twice in one object is refused, as protojson refuses it (found by the differential test). */
function refusal(text: string): string {
  try {
    parseJson(text);
  } catch (err) {
    const e = err as { code?: string; message: string };
    return `${e.code}: ${e.message}`;
  }
  throw new Error(`expected ${text} to be refused`);
}

describe('duplicate keys', () => {
  test.each([
    ['{"a":1,"a":2}', 'INVALID_ARGUMENT: invalid JSON: duplicate key "a" at position 7'],
    ['{"a":1,"b":{"c":"x:y","c":2}}', 'INVALID_ARGUMENT: invalid JSON: duplicate key "c" at position 22'],
    ['{"__proto__":1,"__proto__":2}', 'INVALID_ARGUMENT: invalid JSON: duplicate key "__proto__" at position 15'],
    ['{"id":12345678901234567890,"id":1}', 'INVALID_ARGUMENT: invalid JSON: duplicate key "id" at position 27'],
    ['[{"k":1}, {"k":1, "k" : 1}]', 'INVALID_ARGUMENT: invalid JSON: duplicate key "k" at position 18'],
    ['{"\\u0061":1,"a":2}', 'INVALID_ARGUMENT: invalid JSON: duplicate key "a" at position 12'],
  ])('%s is refused', (text, message) => {
    expect(refusal(text)).toBe(message);
  });

  test.each([
    ['{"a:b":1,"c":"d:e","f":[":",{"g":"::"}]}', { 'a:b': 1, c: 'd:e', f: [':', { g: '::' }] }],
    ['{"\\u003a":1,"x":"\\u003A"}', { ':': 1, x: ':' }],
    ['{"a":{"a":{"a":1}}}', { a: { a: { a: 1 } } }],
    ['[{"k":1},{"k":2}]', [{ k: 1 }, { k: 2 }]],
    ['{"id":12345678901234567890,"n":{"id":1}}', { id: 12345678901234567890n, n: { id: 1 } }],
  ])('%s is read', (text, value) => {
    expect(parseJson(text)).toEqual(value);
  });

  test('nesting beyond the limit is refused, not a stack overflow', () => {
    expect(refusal('{"a":'.repeat(5000) + '1' + '}'.repeat(5000))).toMatch(/^INVALID_ARGUMENT: invalid JSON: nesting too deep/);
  });
});
