import type { JsonValue } from '../../../src/json/json-value';
import type { TWriter } from './protocol';
import { fail, failAt, fieldSegment, indexSegment, JsonPathError, keySegment, kindOf, rethrowAt } from '../../../src/codec/json-path';
import type { EnumDef, FieldDef, StructDef, ThriftType } from '../idl/thrift-types';
import { T } from './wire-types';

/** Writes one JSON value as the Thrift value of a compiled type; throws JsonPathError. */
export type Encoder = (w: TWriter, v: JsonValue) => void;
/** Reads a map key given as a JSON object key. */
type KeyEncoder = (w: TWriter, k: string) => void;

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const INT_TEXT = /^-?\d+$/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

export function wireType(t: ThriftType): number {
  switch (t.kind) {
    case 'bool': return T.BOOL;
    case 'byte': return T.BYTE;
    case 'i16': return T.I16;
    case 'i32':
    case 'enum': return T.I32;
    case 'i64': return T.I64;
    case 'double': return T.DOUBLE;
    case 'string':
    case 'binary': return T.STRING;
    case 'list': return T.LIST;
    case 'set': return T.SET;
    case 'map': return T.MAP;
    case 'struct': return T.STRUCT;
  }
}

/** Map keys of these kinds travel as JSON object keys; any other key type as [key, value] pairs. */
export function isObjectKey(t: ThriftType): boolean {
  return t.kind === 'string' || t.kind === 'byte' || t.kind === 'i16' || t.kind === 'i32' || t.kind === 'i64' || t.kind === 'enum';
}

function isObject(v: JsonValue): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function intIn(v: JsonValue, min: number, max: number, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    if (typeof v === 'bigint') fail(`${v} is out of range for ${name}`);
    fail(`expected an integer (${name}), got ${kindOf(v)}`);
  }
  if (v < min || v > max) fail(`${v} is out of range for ${name}`);
  return v;
}

/** An exact i64: a number when it is a safe integer (the common case, no bigint work), else a bigint. */
export function toI64(v: JsonValue): number | bigint {
  let b: bigint;
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return v;
    if (!Number.isInteger(v)) fail(`expected an integer (i64), got ${kindOf(v)}`);
    b = BigInt(v);
  } else if (typeof v === 'string') {
    if (!INT_TEXT.test(v)) fail(`expected an integer (i64), got the string ${JSON.stringify(v)}`);
    // Up to 15 digits always fit a double exactly.
    if (v.length <= 15) return Number(v);
    b = BigInt(v);
  } else if (typeof v === 'bigint') b = v;
  else fail(`expected an integer (i64) as a number or a string, got ${kindOf(v)}`);
  if (b < I64_MIN || b > I64_MAX) fail(`${b} is out of range for i64`);
  return b;
}

function toDouble(v: JsonValue): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  fail(`expected a number (double), got ${kindOf(v)}`);
}

function enumValue(def: EnumDef, v: JsonValue): number {
  if (typeof v === 'string') {
    const n = def.byName.get(v);
    if (n === undefined) fail(`unknown value ${JSON.stringify(v)} for enum ${def.name}`);
    return n;
  }
  if (typeof v === 'number' && Number.isInteger(v)) {
    if (!def.byValue.has(v)) fail(`unknown value ${v} for enum ${def.name}`);
    return v;
  }
  fail(`expected an enum name (${def.name}), got ${kindOf(v)}`);
}

/** Compiles and caches encoders per named type; one instance per compiled bundle. */
export class EncoderCompiler {
  private readonly structs = new Map<StructDef, { fn: Encoder }>();

  encoder(t: ThriftType): Encoder {
    switch (t.kind) {
      case 'bool':
        return (w, v) => {
          if (typeof v !== 'boolean') fail(`expected a boolean, got ${kindOf(v)}`);
          w.bool(v);
        };
      case 'byte':
        return (w, v) => w.byte(intIn(v, -128, 127, 'byte'));
      case 'i16':
        return (w, v) => w.i16(intIn(v, -32768, 32767, 'i16'));
      case 'i32':
        return (w, v) => w.i32(intIn(v, -2147483648, 2147483647, 'i32'));
      case 'i64':
        return (w, v) => w.i64(toI64(v));
      case 'double':
        return (w, v) => w.double(toDouble(v));
      case 'string':
        return (w, v) => {
          if (typeof v !== 'string') fail(`expected a string, got ${kindOf(v)}`);
          w.string(v);
        };
      case 'binary':
        return (w, v) => {
          if (typeof v !== 'string' || !BASE64.test(v)) fail(`expected base64 text (binary), got ${kindOf(v)}`);
          w.binary(Buffer.from(v, 'base64'));
        };
      case 'enum': {
        const def = t.def;
        return (w, v) => w.i32(enumValue(def, v));
      }
      case 'list':
      case 'set':
        return this.listEncoder(t.elem);
      case 'map':
        return isObjectKey(t.key) ? this.objectMapEncoder(t.key, t.value) : this.pairMapEncoder(t.key, t.value);
      case 'struct':
        return this.structEncoder(t.def);
    }
  }

  private listEncoder(elem: ThriftType): Encoder {
    const et = wireType(elem);
    const enc = this.encoder(elem);
    return (w, v) => {
      if (!Array.isArray(v)) fail(`expected an array, got ${kindOf(v)}`);
      w.listBegin(et, v.length);
      let i = 0;
      try {
        for (; i < v.length; i++) {
          const e = v[i];
          if (e === null) fail('null is not allowed in a list');
          enc(w, e);
        }
      } catch (err) {
        rethrowAt(err, indexSegment(i));
      }
    };
  }

  private keyEncoder(key: ThriftType): KeyEncoder {
    switch (key.kind) {
      case 'string':
        return (w, k) => w.string(k);
      case 'i64':
        return (w, k) => w.i64(toI64(k));
      case 'enum': {
        const def = key.def;
        return (w, k) => w.i32(enumValue(def, INT_TEXT.test(k) ? Number(k) : k));
      }
      default: {
        const enc = this.encoder(key);
        return (w, k) => {
          if (!INT_TEXT.test(k)) fail(`map key must be a decimal integer (${key.kind})`);
          enc(w, Number(k));
        };
      }
    }
  }

  private objectMapEncoder(key: ThriftType, value: ThriftType): Encoder {
    const kt = wireType(key);
    const vt = wireType(value);
    const kenc = this.keyEncoder(key);
    const venc = this.encoder(value);
    return (w, v) => {
      if (!isObject(v)) fail(`expected an object (map), got ${kindOf(v)}`);
      const keys = Object.keys(v);
      w.mapBegin(kt, vt, keys.length);
      let k = '';
      try {
        for (k of keys) {
          const e = v[k];
          kenc(w, k);
          if (e === null) fail('null is not allowed as a map value');
          venc(w, e);
        }
      } catch (err) {
        rethrowAt(err, keySegment(k));
      }
    };
  }

  private pairMapEncoder(key: ThriftType, value: ThriftType): Encoder {
    const kt = wireType(key);
    const vt = wireType(value);
    const kenc = this.encoder(key);
    const venc = this.encoder(value);
    return (w, v) => {
      if (!Array.isArray(v)) fail(`expected an array of [key, value] pairs (map), got ${kindOf(v)}`);
      w.mapBegin(kt, vt, v.length);
      for (let i = 0; i < v.length; i++) {
        const pair = v[i];
        if (!Array.isArray(pair) || pair.length !== 2) {
          rethrowAt(new JsonPathError(`expected a [key, value] pair, got ${kindOf(pair)}`), indexSegment(i));
        }
        for (let part = 0; part < 2; part++) {
          const e = pair[part];
          try {
            if (e === null) fail(`null is not allowed as a map ${part === 0 ? 'key' : 'value'}`);
            if (part === 0) kenc(w, e);
            else venc(w, e);
          } catch (err) {
            if (err instanceof JsonPathError) err.segments.push(indexSegment(part), indexSegment(i));
            throw err;
          }
        }
      }
    };
  }

  structEncoder(def: StructDef): Encoder {
    let holder = this.structs.get(def);
    if (!holder) {
      const h = { fn: ((): void => {}) as Encoder };
      this.structs.set(def, h);
      h.fn = this.compileStruct(def.fields, def.kind === 'union' ? def.name : undefined);
      holder = h;
    }
    const h = holder;
    return (w, v) => h.fn(w, v);
  }

  /** A struct (or an `_args` struct) from a JSON object; `unionName` enforces exactly one member. */
  compileStruct(fields: readonly FieldDef[], unionName?: string): Encoder {
    const compiled = fields.map((f) => ({
      name: f.name,
      id: f.id,
      type: wireType(f.type),
      required: f.requiredness === 'required',
      seg: fieldSegment(f.name),
      enc: this.encoder(f.type),
      // Only names that a plain object inherits (`constructor`, ...) need the slower own-property check.
      inherited: f.name in Object.prototype,
    }));
    const known = new Set(fields.map((f) => f.name));
    const own = Object.prototype.hasOwnProperty;
    return (w, v) => {
      if (!isObject(v)) fail(`expected an object, got ${kindOf(v)}`);
      for (const k in v) {
        if (!known.has(k)) failAt(k, 'unknown field');
      }
      w.structBegin();
      let set = 0;
      for (const f of compiled) {
        const fv = !f.inherited || own.call(v, f.name) ? v[f.name] : undefined;
        if (fv === undefined || fv === null) {
          if (f.required) rethrowAt(new JsonPathError('required field is missing'), f.seg);
          continue;
        }
        w.fieldBegin(f.type, f.id);
        try {
          f.enc(w, fv);
        } catch (err) {
          rethrowAt(err, f.seg);
        }
        set++;
      }
      if (unionName !== undefined && set !== 1) {
        const members = compiled.filter((f) => v[f.name] !== undefined && v[f.name] !== null).map((f) => f.name);
        fail(`union ${unionName} needs exactly one member, got ${set}${set ? ` (${members.join(', ')})` : ''}`);
      }
      w.structEnd();
    };
  }
}
