import { JsonShape } from '../idl/model';

/** The JSON output options of a call: 64-bit integers as numbers, and the shape bits (`JsonShape`). */
export interface JsonOptions {
  readonly int64AsNumber: boolean;
  readonly shape: number;
}

export const defaultJsonOptions: JsonOptions = Object.freeze({ int64AsNumber: false, shape: 0 });

const bits: Readonly<Record<string, number>> = {
  'emit-defaults': JsonShape.emitDefaults,
  'proto-names': JsonShape.protoNames,
  'enum-numbers': JsonShape.enumNumbers,
};

export const jsonOptionNames: readonly string[] = ['int64-number', ...Object.keys(bits)];

/**
 * `OPT[,OPT…]` (an app's `--json`, a request's `x-transmesh-json`) on top of `base`: each option
 * turns one on, `no-OPT` turns it off, so a request can drop what its app's default turns on.
 * Returns the reason as a string for an unknown option, naming it.
 */
export function applyJsonOptions(text: string, base: JsonOptions): JsonOptions | string {
  let { int64AsNumber, shape } = base;
  for (const raw of text.split(',')) {
    const opt = raw.trim().toLowerCase();
    if (opt === '') continue;
    const off = opt.startsWith('no-');
    const name = off ? opt.slice(3) : opt;
    if (name === 'int64-number') int64AsNumber = !off;
    else if (bits[name] !== undefined) shape = off ? shape & ~bits[name] : shape | bits[name];
    else return `unknown JSON option "${raw.trim()}" (known: ${jsonOptionNames.join(', ')}, each also as no-<option>)`;
  }
  return int64AsNumber === base.int64AsNumber && shape === base.shape ? base : { int64AsNumber, shape };
}
