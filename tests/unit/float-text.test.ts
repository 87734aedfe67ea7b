import { floatText } from '../../adapters/grpc/codec/scalars-out';

/** float32 as protojson prints it: the shortest decimal that reads back, an exact tie to the even digit. */
describe('floatText', () => {
  test.each([
    [-252190.625, '-252190.62'],
    [2100929.25, '2100929.2'],
    [0.5, '0.5'],
    [0.1, '0.1'],
    [16777216, '16777216'],
    [3.4028234663852886e38, '3.4028235e+38'],
    [1.5, '1.5'],
    [2.5, '2.5'],
  ])('%p → %s', (v, text) => expect(floatText(v)).toBe(text));

  test('every float32 it prints reads back as the same float32', () => {
    const buf = new Float32Array(1);
    const bits = new Uint32Array(buf.buffer);
    // A fixed linear congruential sequence of bit patterns: the same 20,000 floats every run.
    let x = 20261207;
    for (let i = 0; i < 20000; i++) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      bits[0] = x;
      const f = buf[0]!;
      if (!Number.isFinite(f)) continue;
      expect(Math.fround(Number(floatText(f)))).toBe(f);
    }
  });
});
