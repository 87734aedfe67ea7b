import { JsonShape, type ToJsonOptions } from '../../../src/idl/model';
import { isObjectKey, wireType } from './json-to-thrift';
import { fail, fieldSegment, indexSegment, JsonPathError, rethrowAt } from '../../../src/codec/json-path';
import type { TReader } from './protocol';
import type { EnumDef, FieldDef, StructDef, ThriftType } from '../idl/thrift-types';
import { T } from './wire-types';

/** Reads one Thrift value of a compiled type and returns its JSON text; throws JsonPathError. */
export type Decoder = (r: TReader, o: ToJsonOptions) => string;

const TYPE_NAMES: Record<number, string> = {
  [T.BOOL]: 'bool', [T.BYTE]: 'byte', [T.DOUBLE]: 'double', [T.I16]: 'i16', [T.I32]: 'i32', [T.I64]: 'i64',
  [T.STRING]: 'string', [T.STRUCT]: 'struct', [T.MAP]: 'map', [T.SET]: 'set', [T.LIST]: 'list',
};

function wrongType(got: number, want: number, what: string): never {
  fail(`${what} has wire type ${TYPE_NAMES[got] ?? got} where ${TYPE_NAMES[want]} was expected`);
}

function doubleText(d: number): string {
  // JSON has no NaN or Infinity: write them as the strings proto3 JSON uses.
  return Number.isFinite(d) ? String(d) : `"${d}"`;
}

function enumText(def: EnumDef, n: number): string {
  const name = def.byValue.get(n);
  return name === undefined ? String(n) : `"${name}"`;
}

/**
 * Compiles and caches decoders per named type; one instance per compiled bundle and JSON shape
 * (`JsonShape` bits: `enumNumbers` writes enums as numbers, `emitDefaults` writes every declared
 * field, an unset one as its type's zero value; names are the IDL's either way).
 */
export class DecoderCompiler {
  private readonly structs = new Map<StructDef, { fn: Decoder }>();
  private readonly enumNumbers: boolean;
  private readonly emitDefaults: boolean;

  constructor(shape = 0) {
    this.enumNumbers = (shape & JsonShape.enumNumbers) !== 0;
    this.emitDefaults = (shape & JsonShape.emitDefaults) !== 0;
  }

  decoder(t: ThriftType): Decoder {
    switch (t.kind) {
      case 'bool':
        return (r) => (r.bool() ? 'true' : 'false');
      case 'byte':
        return (r) => String(r.byte());
      case 'i16':
        return (r) => String(r.i16());
      case 'i32':
        return (r) => String(r.i32());
      case 'i64':
        return (r, o) => (o.int64AsNumber ? String(r.i64()) : `"${r.i64()}"`);
      case 'double':
        return (r) => doubleText(r.double());
      case 'string':
        return (r) => JSON.stringify(r.string());
      case 'binary':
        return (r) => `"${r.binary().toString('base64')}"`;
      case 'enum': {
        const def = t.def;
        return this.enumNumbers ? (r) => String(r.i32()) : (r) => enumText(def, r.i32());
      }
      case 'list':
      case 'set':
        return this.listDecoder(t.elem);
      case 'map':
        return isObjectKey(t.key) ? this.objectMapDecoder(t.key, t.value) : this.pairMapDecoder(t.key, t.value);
      case 'struct':
        return this.structDecoder(t.def);
    }
  }

  private listDecoder(elem: ThriftType): Decoder {
    const et = wireType(elem);
    const dec = this.decoder(elem);
    return (r, o) => {
      const n = r.listBegin();
      if (n === 0) return '[]';
      if (r.elemType !== et) wrongType(r.elemType, et, 'list element');
      let out = '[';
      let i = 0;
      try {
        for (; i < n; i++) out += (i ? ',' : '') + dec(r, o);
      } catch (err) {
        rethrowAt(err, indexSegment(i));
      }
      return out + ']';
    };
  }

  /** JSON object key text (quoted) of a map key read from the wire. */
  private keyDecoder(key: ThriftType): Decoder {
    switch (key.kind) {
      case 'string':
        return (r) => JSON.stringify(r.string());
      case 'enum': {
        const def = key.def;
        return (r) => {
          const n = r.i32();
          return `"${(!this.enumNumbers && def.byValue.get(n)) || n}"`;
        };
      }
      case 'i64':
        return (r) => `"${r.i64()}"`;
      default: {
        const dec = this.decoder(key);
        return (r, o) => `"${dec(r, o)}"`;
      }
    }
  }

  private mapHeader(r: TReader, kt: number, vt: number): number {
    const n = r.mapBegin();
    if (n > 0) {
      if (r.keyType !== kt) wrongType(r.keyType, kt, 'map key');
      if (r.valueType !== vt) wrongType(r.valueType, vt, 'map value');
    }
    return n;
  }

  private objectMapDecoder(key: ThriftType, value: ThriftType): Decoder {
    const kt = wireType(key);
    const vt = wireType(value);
    const kdec = this.keyDecoder(key);
    const vdec = this.decoder(value);
    return (r, o) => {
      const n = this.mapHeader(r, kt, vt);
      let out = '{';
      let k = '';
      try {
        for (let i = 0; i < n; i++) {
          k = kdec(r, o);
          out += (i ? ',' : '') + k + ':' + vdec(r, o);
        }
      } catch (err) {
        rethrowAt(err, `[${k}]`);
      }
      return out + '}';
    };
  }

  private pairMapDecoder(key: ThriftType, value: ThriftType): Decoder {
    const kt = wireType(key);
    const vt = wireType(value);
    const kdec = this.decoder(key);
    const vdec = this.decoder(value);
    return (r, o) => {
      const n = this.mapHeader(r, kt, vt);
      let out = '[';
      let i = 0;
      try {
        for (; i < n; i++) out += (i ? ',[' : '[') + kdec(r, o) + ',' + vdec(r, o) + ']';
      } catch (err) {
        rethrowAt(err, indexSegment(i));
      }
      return out + ']';
    };
  }

  structDecoder(def: StructDef): Decoder {
    let holder = this.structs.get(def);
    if (!holder) {
      const h = { fn: ((): string => '') as Decoder };
      this.structs.set(def, h);
      h.fn = this.compileStruct(def.fields);
      holder = h;
    }
    const h = holder;
    return (r, o) => h.fn(r, o);
  }

  /**
   * A struct as a JSON object, fields in wire order. Unknown ids and fields whose wire type
   * differs from the IDL are skipped (a newer peer may have changed them); a missing
   * `required` field is an error.
   */
  compileStruct(fields: readonly FieldDef[]): Decoder {
    const byId = new Map<number, { bit: number; type: number; key: string; seg: string; dec: Decoder }>();
    const required: { bit: number; seg: string }[] = [];
    fields.forEach((f, bit) => {
      byId.set(f.id, { bit, type: wireType(f.type), key: `${JSON.stringify(f.name)}:`, seg: fieldSegment(f.name), dec: this.decoder(f.type) });
      if (f.requiredness === 'required') required.push({ bit, seg: fieldSegment(f.name) });
    });
    // emit-defaults: fields not on the wire are written at the end, as their type's zero value.
    const zeros = this.emitDefaults ? fields.map((f, bit) => ({ bit, key: `,${JSON.stringify(f.name)}:`, zero: zeroOf(f.type) })) : undefined;
    const track = required.length > 0 || zeros !== undefined;
    const n = fields.length;
    // Up to 31 fields a bit mask marks the fields seen; more take an array.
    const small = n <= 31;
    return (r, o) => {
      r.structBegin();
      let out = '{';
      let mask = 0;
      const seen = track && !small ? new Uint8Array(n) : undefined;
      for (;;) {
        const t = r.fieldBegin();
        if (t === T.STOP) break;
        const f = byId.get(r.fieldId);
        if (f === undefined || f.type !== t) {
          r.skip(t);
          continue;
        }
        let text: string;
        try {
          text = f.dec(r, o);
        } catch (err) {
          rethrowAt(err, f.seg);
        }
        out += (out.length > 1 ? ',' : '') + f.key + text;
        if (seen) seen[f.bit] = 1;
        else mask |= 1 << f.bit;
      }
      r.structEnd();
      if (track) {
        for (const q of required) {
          if (seen ? !seen[q.bit] : (mask & (1 << q.bit)) === 0) rethrowAt(new JsonPathError('required field is missing'), q.seg);
        }
      }
      if (zeros) {
        for (const z of zeros) {
          if (seen ? seen[z.bit] : (mask & (1 << z.bit)) !== 0) continue;
          const text = typeof z.zero === 'string' ? z.zero : z.zero(o);
          out += out.length > 1 ? z.key + text : z.key.slice(1) + text;
        }
      }
      return out + '}';
    };
  }
}

/** The JSON of an unset field under emit-defaults: its type's zero value, `null` for a struct or an enum (which has no zero). */
function zeroOf(t: ThriftType): string | ((o: ToJsonOptions) => string) {
  switch (t.kind) {
    case 'bool':
      return 'false';
    case 'byte':
    case 'i16':
    case 'i32':
    case 'double':
      return '0';
    case 'i64':
      return (o) => (o.int64AsNumber ? '0' : '"0"');
    case 'string':
    case 'binary':
      return '""';
    case 'list':
    case 'set':
      return '[]';
    case 'map':
      return isObjectKey(t.key) ? '{}' : '[]';
    default:
      return 'null';
  }
}
