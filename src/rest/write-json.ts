import type { JsonValue } from '../json/json-value';

/** JSON text of a parsed value; bigints (exact 64-bit integers from the parser) are written as bare digits. */
export function writeJson(value: JsonValue): string {
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(writeJson).join(',')}]`;
  let out = '';
  for (const k in value) out += `${out ? ',' : ''}${JSON.stringify(k)}:${writeJson(value[k]!)}`;
  return `{${out}}`;
}
