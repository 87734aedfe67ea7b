import fc from 'fast-check';
import { MAX_DEPTH } from '../../src/json/exact-parser';
import { parseJson } from '../../src/json/parse-json';
import { check, corpus, outcome } from '../fuzz/fuzz-harness';

/**
 * The JSON parser under random text: never a crash or a hang; a value equal to JSON.parse's
 * (big integers aside), or INVALID_ARGUMENT naming the position.
 */

function parsedOrRefused(text: string): void {
  const v = outcome(() => parseJson(text));
  if (v === undefined) {
    try {
      parseJson(text);
    } catch (err) {
      expect((err as Error).message).toMatch(/^invalid JSON: .* at position \d+$/);
    }
  }
}

describe('parseJson fuzz', () => {
  test.each(corpus('json'))('corpus: %j', (text) => parsedOrRefused(text));

  test('arbitrary text', () => {
    check(fc.string({ unit: 'binary', maxLength: 200 }), parsedOrRefused);
  });

  test('JSON values round-trip (integers beyond 2^53 come back as exact bigints)', () => {
    const asNumbers = (v: unknown): unknown =>
      typeof v === 'bigint' ? Number(v) : Array.isArray(v) ? v.map(asNumbers) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asNumbers(x)])) : v;
    check(fc.jsonValue({ maxDepth: 6 }), (v) => {
      const text = JSON.stringify(v);
      expect(asNumbers(parseJson(text))).toEqual(JSON.parse(text));
    });
  });

  test('big integers come back exact', () => {
    check(fc.array(fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }), { maxLength: 8 }), (ints) => {
      const v = parseJson(`[${ints.join(',')}]`) as unknown[];
      expect(v.map((x) => BigInt(x as number | bigint))).toEqual(ints);
    });
  });

  test('valid JSON with one character changed', () => {
    const junk = fc.constantFrom('[', ']', '{', '}', '"', '\\', ',', ':', '-', '0', 'e', '.', ' ', '\u0000', '\ud800');
    check(fc.tuple(fc.jsonValue({ maxDepth: 4 }), fc.nat(), junk, fc.boolean()), ([v, at, c, replace]) => {
      const text = JSON.stringify(v);
      const i = at % (text.length + 1);
      parsedOrRefused(text.slice(0, i) + c + text.slice(replace ? i + 1 : i));
    });
  });

  test('nesting: accepted up to the limit, refused beyond, with or without big integers', () => {
    check(
      fc.tuple(fc.integer({ min: 1, max: 3 * MAX_DEPTH }), fc.constantFrom('[', '{"k":'), fc.constantFrom('1', '12345678901234567890', '')),
      ([depth, open, leaf]) => {
        const close = open === '[' ? ']' : '}';
        const text = open.repeat(depth) + (open === '[' ? leaf : leaf || '0') + close.repeat(depth);
        const v = outcome(() => parseJson(text));
        expect(v !== undefined).toBe(depth <= MAX_DEPTH);
      },
      60,
    );
  });
});
