import * as protobuf from 'protobufjs';
import { JsonShape } from '../../../src/idl/model';
import { jsonNameOf } from './json-to-proto';
import { isDefaultOf, quote, scalarOut, type ValueOut } from './scalars-out';
import { int64Unsigned } from './int64-types';
import { wktOut } from './wkt-out';
import type { MessageOut } from './message-types';

/**
 * A decoded protobufjs message to canonical proto3 JSON text, written directly as a string.
 * One writer per message type, built once from reflection: per field a closure that returns
 * `,"jsonName":value` or '' when the field is left out.
 */


type FieldOut = (m: any, n: boolean) => string;

/** One writer per JSON shape (`JsonShape` bits) a caller asked for, compiled the first time. */
const Shape = JsonShape;
const caches: WeakMap<protobuf.Type, MessageOut>[] = [];

export function messageOut(type: protobuf.Type, shape = 0): MessageOut {
  const cache = (caches[shape] ??= new WeakMap());
  let holder = cache.get(type);
  if (holder) return holder;
  const pending: MessageOut = {
    write: () => {
      throw new Error(`${type.fullName} is still being compiled`);
    },
  };
  cache.set(type, pending);
  pending.write = wktOut(type, (t) => messageOut(t, shape)) ?? compileMessage(type, shape);
  holder = pending;
  return holder;
}

/** Enum numbers to quoted names (the first name of aliased values); unknown numbers print as numbers. */
export function enumOut(e: protobuf.Enum, shape = 0): ValueOut {
  if (e.fullName === '.google.protobuf.NullValue') return () => 'null';
  if (shape & Shape.enumNumbers) return (v) => String(v);
  const names: Record<number, string> = Object.create(null);
  for (const [name, num] of Object.entries(e.values)) if (names[num] === undefined) names[num] = JSON.stringify(name);
  return (v) => names[v] ?? String(v);
}

function elementOut(field: protobuf.Field, shape: number): ValueOut {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) {
    const sub = messageOut(rt, shape);
    return (v, n) => sub.write(v, n);
  }
  if (rt instanceof protobuf.Enum) return enumOut(rt, shape);
  return scalarOut(field.type);
}

function mapKeyOut(keyType: string): (k: string) => string {
  const unsigned = int64Unsigned(keyType);
  // protobufjs keys 64-bit map entries by the 8-character LongBits hash.
  if (unsigned !== undefined) return (k) => '"' + protobuf.util.longFromHash(k, unsigned).toString() + '"';
  switch (keyType) {
    case 'string':
      return (k) => quote(k);
    default:
      return (k) => '"' + k + '"';
  }
}

/** The name `proto-names` writes, as protojson's UseProtoNames does: the field's name, but a proto2 group's type name (its TextName). */
function protoNameOf(field: protobuf.Field): string {
  return field.delimited && field.resolvedType instanceof protobuf.Type ? field.resolvedType.name : field.name;
}

function fieldOut(field: protobuf.Field, shape: number): FieldOut {
  field.resolve();
  const name = field.name;
  const prefix = ',' + JSON.stringify(shape & Shape.protoNames ? protoNameOf(field) : jsonNameOf(field)) + ':';
  const w = elementOut(field, shape);
  // Unpopulated fields as protojson's EmitUnpopulated writes them: empty lists and maps, the
  // default of a scalar, null for a field with presence; never a member of a oneof (proto3
  // `optional` included: it is a oneof of one).
  const emit = (shape & Shape.emitDefaults) !== 0 && !field.partOf;
  if (field instanceof protobuf.MapField || field.map) {
    const keyOut = mapKeyOut((field as unknown as protobuf.MapField).keyType);
    const empty = emit ? prefix + '{}' : '';
    return (m, n) => {
      const o = m[name];
      if (!o) return empty;
      let s = '';
      for (const k in o) s += ',' + keyOut(k) + ':' + w(o[k], n);
      return s === '' ? empty : prefix + '{' + s.slice(1) + '}';
    };
  }
  if (field.repeated) {
    const empty = emit ? prefix + '[]' : '';
    return (m, n) => {
      const a = m[name];
      if (!a || a.length === 0) return empty;
      let s = w(a[0], n);
      for (let i = 1; i < a.length; i++) s += ',' + w(a[i], n);
      return prefix + '[' + s + ']';
    };
  }
  if (field.hasPresence || field.resolvedType instanceof protobuf.Type) {
    const unset = emit ? prefix + 'null' : '';
    // protobufjs' decoder sets own properties only for fields on the wire.
    return (m, n) => {
      if (!Object.prototype.hasOwnProperty.call(m, name)) return unset;
      const v = m[name];
      return v == null ? unset : prefix + w(v, n);
    };
  }
  if (emit) return (m, n) => prefix + w(m[name], n);
  const isDefault = isDefaultOf(field.type, field.resolvedType instanceof protobuf.Enum);
  return (m, n) => {
    const v = m[name];
    return isDefault(v) ? '' : prefix + w(v, n);
  };
}

function compileMessage(type: protobuf.Type, shape: number): ValueOut {
  // protoc prints fields in field-number order.
  const writers = type.fieldsArray
    .slice()
    .sort((a, b) => a.id - b.id)
    .map((f) => fieldOut(f, shape));
  const count = writers.length;
  return (m, n) => {
    let s = '';
    for (let i = 0; i < count; i++) s += writers[i]!(m, n);
    return s === '' ? '{}' : '{' + s.slice(1) + '}';
  };
}
