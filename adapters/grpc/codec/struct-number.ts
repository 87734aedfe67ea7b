import { integralValue } from '../../../src/json/integral-value';

/**
 * The double a google.protobuf.Value holds for an integer beyond 2^53 (the JSON parser hands
 * those over as bigint), or undefined when the integer cannot be a double's printed form.
 *
 * A Value number is a double, and serializers print large doubles in digits that are not the
 * double's exact value: JavaScript and Go print the shortest digits that read back to it
 * (`1152921504606847000` for 2^60), printf's %.17g and older Java 17 significant digits
 * (`9.9999999999999992e+22` for 1e23). All of these are accepted as the double they name. An
 * integer that no such printing of its nearest double produces (`9007199254740993`, whose
 * nearest double prints as `9007199254740992`) is most likely a 64-bit id that would silently
 * change, so it is refused: one of the mesh's two deliberate differences from protojson.
 */
export function structNumber(v: bigint): number | undefined {
  const n = Number(v);
  if (!Number.isFinite(n)) return undefined;
  if (BigInt(n) === v) return n;
  if (integralValue(String(n)) === v || integralValue(n.toPrecision(17)) === v) return n;
  return undefined;
}
