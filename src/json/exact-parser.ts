import { MeshError } from '../errors/mesh-error';
import type { JsonValue } from './json-value';
import { integralValue } from './integral-value';

/** Containers nested deeper than this are refused rather than overflowing the stack. */
export const MAX_DEPTH = 1000;
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/**
 * A strict recursive-descent JSON parser that turns integer tokens outside the safe range into
 * bigint. parse-json.ts uses it where JSON.parse cannot serve: to report invalid JSON with a
 * stable reason and position, and for the rare documents its fast path leaves to it.
 */
export class ExactParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  parseDocument(): JsonValue {
    this.skipWs();
    if (this.pos >= this.text.length) this.fail(this.text.length === 0 ? 'empty body' : 'unexpected end of input');
    const value = this.parseValue(0);
    this.skipWs();
    if (this.pos < this.text.length) this.fail(`unexpected ${this.describe()} after the value`);
    return value;
  }

  private fail(reason: string, at = this.pos): never {
    throw new MeshError('INVALID_ARGUMENT', `invalid JSON: ${reason} at position ${at}`);
  }

  private describe(): string {
    if (this.pos >= this.text.length) return 'end of input';
    return `character ${JSON.stringify(this.text[this.pos])}`;
  }

  private skipWs(): void {
    const t = this.text;
    let p = this.pos;
    for (;;) {
      const c = t.charCodeAt(p);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
      else break;
    }
    this.pos = p;
  }

  private parseValue(depth: number): JsonValue {
    const c = this.text.charCodeAt(this.pos);
    switch (c) {
      case 0x7b /* { */:
        return this.parseObject(depth + 1);
      case 0x5b /* [ */:
        return this.parseArray(depth + 1);
      case 0x22 /* " */:
        return this.parseString();
      case 0x74 /* t */:
        return this.literal('true', true);
      case 0x66 /* f */:
        return this.literal('false', false);
      case 0x6e /* n */:
        return this.literal('null', null);
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.parseNumber();
        return this.fail(`unexpected ${this.describe()}`);
    }
  }

  private literal<T extends JsonValue>(word: string, value: T): T {
    if (this.text.startsWith(word, this.pos)) {
      this.pos += word.length;
      return value;
    }
    return this.fail(`unexpected ${this.describe()}`);
  }

  private parseObject(depth: number): JsonValue {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    this.pos++;
    const obj: Record<string, JsonValue> = {};
    this.skipWs();
    if (this.text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return obj;
    }
    for (;;) {
      this.skipWs();
      if (this.text.charCodeAt(this.pos) !== 0x22) this.fail(`expected a string key, got ${this.describe()}`);
      const keyAt = this.pos;
      const key = this.parseString();
      if (Object.prototype.hasOwnProperty.call(obj, key)) this.fail(`duplicate key ${JSON.stringify(key)}`, keyAt);
      this.skipWs();
      if (this.text.charCodeAt(this.pos) !== 0x3a) this.fail(`expected ':', got ${this.describe()}`);
      this.pos++;
      this.skipWs();
      const value = this.parseValue(depth);
      // A plain assignment of "__proto__" would replace the prototype; JSON.parse makes an own property.
      if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
      else obj[key] = value;
      this.skipWs();
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x2c) {
        this.pos++;
        continue;
      }
      if (c === 0x7d) {
        this.pos++;
        return obj;
      }
      this.fail(`expected ',' or '}', got ${this.describe()}`);
    }
  }

  private parseArray(depth: number): JsonValue {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    this.pos++;
    const arr: JsonValue[] = [];
    this.skipWs();
    if (this.text.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return arr;
    }
    for (;;) {
      this.skipWs();
      arr.push(this.parseValue(depth));
      this.skipWs();
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x2c) {
        this.pos++;
        continue;
      }
      if (c === 0x5d) {
        this.pos++;
        return arr;
      }
      this.fail(`expected ',' or ']', got ${this.describe()}`);
    }
  }

  private parseString(): string {
    const t = this.text;
    const start = ++this.pos;
    // Fast scan: most strings have no escapes.
    let p = start;
    for (;;) {
      const c = t.charCodeAt(p);
      if (c === 0x22) {
        this.pos = p + 1;
        return t.slice(start, p);
      }
      if (c === 0x5c || c < 0x20 || p >= t.length) break;
      p++;
    }
    let out = t.slice(start, p);
    for (;;) {
      if (p >= t.length) this.fail('unterminated string', p);
      const c = t.charCodeAt(p);
      if (c === 0x22) {
        this.pos = p + 1;
        return out;
      }
      if (c < 0x20) this.fail('control character in string', p);
      if (c !== 0x5c) {
        out += t[p++];
        continue;
      }
      const e = t[p + 1];
      if (e === 'u') {
        const hex = t.slice(p + 2, p + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid \\u escape', p);
        out += String.fromCharCode(parseInt(hex, 16));
        p += 6;
      } else if (e !== undefined && Object.prototype.hasOwnProperty.call(ESCAPES, e)) {
        out += ESCAPES[e];
        p += 2;
      } else {
        this.fail('invalid escape', p);
      }
    }
  }

  private parseNumber(): number | bigint {
    const t = this.text;
    const start = this.pos;
    let p = start;
    if (t.charCodeAt(p) === 0x2d) p++;
    const intStart = p;
    if (t.charCodeAt(p) === 0x30) p++;
    else if (isDigit(t.charCodeAt(p))) while (isDigit(t.charCodeAt(p))) p++;
    else this.fail('invalid number', start);
    const intDigits = p - intStart;
    let integral = true;
    if (t.charCodeAt(p) === 0x2e) {
      integral = false;
      p++;
      if (!isDigit(t.charCodeAt(p))) this.fail('invalid number', start);
      while (isDigit(t.charCodeAt(p))) p++;
    }
    const e = t.charCodeAt(p);
    if (e === 0x65 || e === 0x45) {
      integral = false;
      p++;
      const s = t.charCodeAt(p);
      if (s === 0x2b || s === 0x2d) p++;
      if (!isDigit(t.charCodeAt(p))) this.fail('invalid number', start);
      while (isDigit(t.charCodeAt(p))) p++;
    }
    this.pos = p;
    const token = t.slice(start, p);
    if (integral && intDigits < 16) return Number(token);
    // Integers beyond 2^53 stay exact, also when written with a fraction or an exponent.
    const big = integralValue(token);
    return big !== undefined && (big < MIN_SAFE || big > MAX_SAFE) ? big : Number(token);
  }
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
