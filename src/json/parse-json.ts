import { mayHaveDuplicateKeys } from './duplicate-keys';
import { ExactParser, MAX_DEPTH } from './exact-parser';
import { integralValue } from './integral-value';
import type { JsonValue } from './json-value';

/**
 * Parses a request body. JSON.parse rounds integers past 2^53, and PHP sends 64-bit ids as bare
 * numbers, so such integers must come out as bigint. JSON.parse still does the parsing: each
 * bare integer token beyond the safe range is swapped in the text for a placeholder string that
 * no JSON string of the body can equal (U+0000 and its index), and the placeholders are put back
 * as bigints afterwards. Invalid JSON goes to the strict parser of our own (exact-parser.ts) for
 * a stable reason and position. A key given twice in one object is refused (as protojson does)
 * rather than left to JSON.parse, which would keep the last one; see duplicate-keys.ts.
 */
export function parseJson(text: string): JsonValue {
  const value = parseFast(text);
  return mayHaveDuplicateKeys(text, value) ? new ExactParser(text).parseDocument() : value;
}

function parseFast(text: string): JsonValue {
  const tokens = bigIntegerTokens(text);
  if (tokens === undefined) return parseOrExplain(text);
  // A body that already holds U+0000 (only possible as the escape \u0000) could fake a placeholder.
  if (text.includes('\\u0000')) return new ExactParser(text).parseDocument();
  let swapped = '';
  let from = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    swapped += text.slice(from, t.start) + '"\\u0000' + i + '"';
    from = t.end;
  }
  swapped += text.slice(from);
  let value: JsonValue;
  try {
    value = JSON.parse(swapped) as JsonValue;
  } catch {
    return new ExactParser(text).parseDocument();
  }
  // Nesting beyond MAX_DEPTH needs two characters a level, so short bodies need no depth check
  // and the walk may stop at the last placeholder.
  const walk: Walk = { values: tokens, left: tokens.length, full: text.length > 2 * MAX_DEPTH };
  try {
    return restore(value, walk, 0);
  } catch (err) {
    if (err === TOO_DEEP) return new ExactParser(text).parseDocument();
    throw err;
  }
}

function parseOrExplain(text: string): JsonValue {
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch {
    // JSON.parse's messages vary between Node versions; our parser gives a stable reason and position.
    return new ExactParser(text).parseDocument();
  }
  // JSON.parse has no nesting limit; the codecs recurse, so the one limit holds here too (short
  // bodies cannot nest that deep). The strict parser gives the refusal its message.
  if (text.length > 2 * MAX_DEPTH && !withinDepth(value, 0)) return new ExactParser(text).parseDocument();
  return value;
}

/** Whether no container in `v` is nested deeper than MAX_DEPTH; stops recursing at the limit. */
function withinDepth(v: JsonValue, depth: number): boolean {
  if (v === null || typeof v !== 'object') return true;
  if (depth >= MAX_DEPTH) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const el = v[i]!;
      if (el !== null && typeof el === 'object' && !withinDepth(el, depth + 1)) return false;
    }
    return true;
  }
  for (const key in v) {
    const el = v[key]!;
    if (el !== null && typeof el === 'object' && !withinDepth(el, depth + 1)) return false;
  }
  return true;
}

interface BigToken {
  readonly start: number;
  readonly end: number;
  readonly value: bigint;
}

/** 16 digits: the shortest integer that may be beyond Number.MAX_SAFE_INTEGER. */
const MIN_RUN = 16;
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** A digit followed by an exponent: `1.5e19`, `123456789012345e4` may be integers beyond 2^53 too. */
const EXPONENT = /\d[eE][+-]?\d/g;

/**
 * The number tokens that are integers outside the safe range, or undefined when there are none:
 * bare integers (`9223372036854775807`) and integral numbers written with a fraction or an
 * exponent (`9223372036854775807.0`, `1.2345678901234567891e19`), which JSON.parse would round.
 * Candidates are runs of 16+ digits, found by probing every 16th character (a run that long
 * always covers one, about 20 times faster than a regular expression over the whole body), and
 * digits followed by an exponent. A candidate counts when its whole token is a valid JSON number
 * that starts a value (after `:`, `[`, `,` or at the top) outside every string. Swapping a whole
 * valid number token for a string token keeps valid text valid and invalid text invalid, so
 * JSON.parse still judges the syntax. A number with a fraction that is not integral stays a
 * number (what it means to an integer field is left to JSON.parse's rounding).
 */
function bigIntegerTokens(text: string): BigToken[] | undefined {
  const candidates: number[] = [];
  const n = text.length;
  for (let probe = MIN_RUN - 1; probe < n; probe += MIN_RUN) {
    if (!isDigit(text.charCodeAt(probe))) continue;
    let start = probe;
    while (start > 0 && isDigit(text.charCodeAt(start - 1))) start--;
    let end = probe + 1;
    while (isDigit(text.charCodeAt(end))) end++;
    while (probe + MIN_RUN < end) probe += MIN_RUN;
    if (end - start >= MIN_RUN) candidates.push(start);
  }
  EXPONENT.lastIndex = 0;
  for (let m = EXPONENT.exec(text); m; m = EXPONENT.exec(text)) candidates.push(m.index);
  if (!candidates.length) return undefined;
  let found: BigToken[] | undefined;
  let quotes: QuoteTracker | undefined;
  let lastEnd = -1;
  for (const at of candidates.sort((a, b) => a - b)) {
    if (at < lastEnd) continue;
    let start = at;
    while (start > 0 && isNumberChar(text.charCodeAt(start - 1))) start--;
    let end = at;
    while (end < n && isNumberChar(text.charCodeAt(end))) end++;
    lastEnd = end;
    const value = integralValue(text.slice(start, end));
    if (value === undefined || (value >= MIN_SAFE && value <= MAX_SAFE)) continue;
    if (!startsValue(text, start)) continue;
    quotes ??= new QuoteTracker(text);
    if (quotes.insideString(start)) continue;
    (found ??= []).push({ start, end, value });
  }
  return found;
}

function isNumberChar(c: number): boolean {
  return isDigit(c) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Whether the character before `at`, whitespace aside, is one a JSON value may follow. */
function startsValue(text: string, at: number): boolean {
  let p = at - 1;
  for (;;) {
    const c = text.charCodeAt(p);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p--;
    else return p < 0 || c === 0x3a || c === 0x5b || c === 0x2c;
  }
}

/**
 * Whether positions (asked in increasing order) are inside a string: unescaped quotes toggle.
 * Only speed depends on it: a placeholder put inside a string would leave `\u0000` outside one,
 * which JSON.parse refuses, and the strict parser would then read the original text.
 */
class QuoteTracker {
  private pos = 0;
  private inside = false;

  constructor(private readonly text: string) {}

  insideString(at: number): boolean {
    const t = this.text;
    for (;;) {
      const q = t.indexOf('"', this.pos);
      if (q === -1 || q >= at) return this.inside;
      this.pos = q + 1;
      if (this.inside && escaped(t, q)) continue;
      this.inside = !this.inside;
    }
  }
}

function escaped(text: string, quote: number): boolean {
  let n = 0;
  while (text.charCodeAt(quote - 1 - n) === 0x5c) n++;
  return (n & 1) === 1;
}

interface Walk {
  readonly values: BigToken[];
  left: number;
  /** Visit everything (to check the depth) instead of stopping at the last placeholder. */
  readonly full: boolean;
}

const TOO_DEEP = Symbol('too deep');

/** `v` with its placeholders replaced by their bigints; containers are changed in place. */
function restore(v: JsonValue, walk: Walk, depth: number): JsonValue {
  if (typeof v === 'string') {
    if (v.charCodeAt(0) !== 0) return v;
    walk.left--;
    return walk.values[Number(v.slice(1))]!.value;
  }
  if (v === null || typeof v !== 'object') return v;
  if (depth >= MAX_DEPTH) throw TOO_DEEP;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const el = v[i]!;
      if (typeof el === 'string' || (typeof el === 'object' && el !== null)) {
        const r = restore(el, walk, depth + 1);
        if (r !== el) v[i] = r;
        if (walk.left === 0 && !walk.full) break;
      }
    }
    return v;
  }
  for (const key in v) {
    const el = v[key]!;
    if (typeof el === 'string' || (typeof el === 'object' && el !== null)) {
      const r = restore(el, walk, depth + 1);
      if (r !== el) {
        // A plain assignment of "__proto__" would replace the prototype instead of the member.
        if (key === '__proto__') Object.defineProperty(v, key, { value: r, enumerable: true, writable: true, configurable: true });
        else v[key] = r;
      }
      if (walk.left === 0 && !walk.full) break;
    }
  }
  return v;
}
