/** A JSON number token, in parts: sign, integer part, fraction, exponent. */
const NUMBER_TOKEN = /^(-?)(0|[1-9]\d*)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;
/** More digits than any 64-bit integer has: such a token is left to a double (out of range anyway). */
const MAX_DIGITS = 40;

/**
 * The exact value of a JSON number token when it is an integer of at most MAX_DIGITS digits,
 * however it is written (`9223372036854775807`, `9223372036854775807.0`, `1.2345678901234567891e19`);
 * undefined for a fraction or anything that is not a JSON number.
 */
export function integralValue(token: string): bigint | undefined {
  const m = NUMBER_TOKEN.exec(token);
  if (!m) return undefined;
  const fraction = m[3] ?? '';
  let digits = (m[2]! + fraction).replace(/^0+(?=\d)/, '');
  let scale = (m[4] ? Number(m[4]) : 0) - fraction.length;
  while (scale < 0 && digits.length > 1 && digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    scale++;
  }
  if (scale < 0 || digits.length + scale > MAX_DIGITS) return undefined;
  const v = BigInt(digits) * 10n ** BigInt(scale);
  return m[1] ? -v : v;
}
