import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { MeshError } from '../../src/errors/mesh-error';

/**
 * Seeded property runs for `npm test`, and the corpus: every input a run ever found (kept in
 * tests/fuzz/corpus/<target>.json as strings, bytes as hex) is replayed first, as a regression case.
 * To reproduce a failure, fast-check prints its seed and path; add the input to the corpus file.
 */
export const fuzzSeed = Number(process.env.TRANSMESH_FUZZ_SEED ?? 20261129);
/** Runs per property as `npm test` has them, times TRANSMESH_FUZZ_SCALE for a longer hunt. */
const scale = Number(process.env.TRANSMESH_FUZZ_SCALE ?? 1);
export const fuzzRuns = 300;

export function corpus<T = string[]>(target: string): T {
  return JSON.parse(readFileSync(join(__dirname, 'corpus', `${target}.json`), 'utf8')) as T;
}

export function hex(s: string): Buffer {
  return Buffer.from(s, 'hex');
}

export function check<T>(arb: fc.Arbitrary<T>, prop: (v: T) => void, runs = fuzzRuns): void {
  fc.assert(fc.property(arb, prop), { seed: fuzzSeed, numRuns: Math.ceil(runs * scale) });
}

/**
 * The one acceptable failure: a MeshError, and for input refused on its way in, INVALID_ARGUMENT
 * saying where (a JSON path or a position). Anything else (TypeError, RangeError, a stack overflow)
 * is a crash.
 */
export function expectRefusal(err: unknown, codes: ReadonlyArray<MeshError['code']> = ['INVALID_ARGUMENT']): void {
  if (!(err instanceof MeshError)) throw new Error(`not a MeshError: ${(err as Error)?.stack ?? String(err)}`);
  if (!codes.includes(err.code)) throw new Error(`unexpected code ${err.code}: ${err.message}`);
}

/** Runs `f`; returns its value, or undefined when it was refused as `expectRefusal` allows. */
export function outcome<T>(f: () => T, codes?: ReadonlyArray<MeshError['code']>): T | undefined {
  try {
    return f();
  } catch (err) {
    expectRefusal(err, codes);
    return undefined;
  }
}

/** Splits `bytes` at the given cut points (modulo its length), as a socket might deliver it. */
export function chunked(bytes: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const c of at) {
    out.push(bytes.subarray(from, c));
    from = c;
  }
  out.push(bytes.subarray(from));
  return out.filter((b) => b.length > 0);
}
