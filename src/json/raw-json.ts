/**
 * JSON text that is already written and must be embedded as is (a value with exact 64-bit
 * numbers, which JSON.stringify cannot write). See `stringifyWithRaw`.
 */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON.stringify that writes RawJson values verbatim. */
export function stringifyWithRaw(value: unknown): string {
  const raws: string[] = [];
  const out = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof RawJson) {
      raws.push(v.text);
      return `\u0000raw${raws.length - 1}\u0000`;
    }
    return v;
  });
  if (!raws.length) return out;
  return out.replace(/"\\u0000raw(\d+)\\u0000"/g, (_m, i: string) => raws[Number(i)]);
}
