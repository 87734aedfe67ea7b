import { MAX_DEPTH } from './exact-parser';
import type { JsonValue } from './json-value';

/**
 * Whether a document that JSON.parse read may have had a key twice in one object. JSON.parse
 * keeps the last one without a word, while protojson (and the mesh) refuse such a body: a value
 * the caller sent would be dropped. Each member of the text has exactly one `:` outside strings,
 * so the text's colons add up to the parsed members plus the colons inside strings; fewer members
 * means a duplicate. A colon written as the escape \u003a would upset the sum, so such text is
 * always suspect, and so is nesting deeper than the strict parser allows. A suspect document goes
 * to the strict parser, which names the key (or refuses the nesting).
 */
export function mayHaveDuplicateKeys(text: string, value: JsonValue): boolean {
  const colons = colonsIn(text);
  if (colons === 0) return false;
  if (/\\u003a/i.test(text)) return true;
  return colons !== counted(value, 0);
}

/** Members of every object in `v` plus the colons in every string (keys included); NaN when too deep. */
function counted(v: JsonValue, depth: number): number {
  if (typeof v === 'string') return colonsIn(v);
  if (v === null || typeof v !== 'object') return 0;
  if (depth >= MAX_DEPTH) return NaN;
  let n = 0;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) n += counted(v[i]!, depth + 1);
    return n;
  }
  for (const k in v) n += 1 + colonsIn(k) + counted(v[k]!, depth + 1);
  return n;
}

function colonsIn(s: string): number {
  let n = 0;
  for (let i = s.indexOf(':'); i !== -1; i = s.indexOf(':', i + 1)) n++;
  return n;
}
