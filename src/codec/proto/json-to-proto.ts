import * as protobuf from 'protobufjs';
import type { JsonValue } from '../../json/json-value';
import { ConvError, describe, fail, fieldSegment, indexSegment, keySegment, rethrowAt } from './conv-error';
import { enumIn, mapKeyIn, scalarIn } from './scalars-in';
import { wktIn } from './wkt-in';

/**
 * Strict proto3 JSON to the plain object protobufjs' reflection encoder takes (field names as
 * declared). One converter per message type, built once from reflection and cached; a field of
 * a message type calls its type's converter through a holder, so recursive types compile.
 */

/** `d` is the message nesting depth, checked against protobufjs' own recursion limit. */
export type Conv = (v: JsonValue, d: number) => unknown;

export interface MessageIn {
  conv: Conv;
}

const SKIP = Symbol('skip');
type NullResult = unknown;

const cache = new WeakMap<protobuf.Type, MessageIn>();

export function messageIn(type: protobuf.Type): MessageIn {
  let holder = cache.get(type);
  if (holder) return holder;
  const pending: MessageIn = { conv: () => fail(`${type.fullName} is still being compiled`) };
  cache.set(type, pending);
  pending.conv = wktIn(type, messageIn) ?? compileMessage(type);
  holder = pending;
  return holder;
}

interface FieldIn {
  readonly name: string;
  readonly conv: Conv;
  /** Index among the type's real oneofs, -1 when not in one. */
  readonly oneof: number;
  readonly oneofName: string;
  /** What a JSON null stands for: SKIP (unset) except for Value and NullValue. */
  readonly onNull: NullResult;
  /** The field answers to two JSON keys, so both may be present. */
  readonly twoKeys: boolean;
}

function isValueType(t: protobuf.ReflectionObject | null): boolean {
  return t instanceof protobuf.Type && t.fullName === '.google.protobuf.Value';
}

function isNullValueEnum(t: protobuf.ReflectionObject | null): boolean {
  return t instanceof protobuf.Enum && t.fullName === '.google.protobuf.NullValue';
}

/** What a null element of a repeated field, or a null map value, or a null singular field stands for. */
function nullResultOf(field: protobuf.Field): NullResult {
  if (isValueType(field.resolvedType)) {
    const type = field.resolvedType as protobuf.Type;
    return { [type.fieldsById[1]!.name]: 0 };
  }
  if (isNullValueEnum(field.resolvedType)) return 0;
  return SKIP;
}

/** Converter of one value of the field's element type (no repeated/map handling). */
function elementConv(field: protobuf.Field): Conv {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) {
    const sub = messageIn(rt);
    return (v, d) => sub.conv(v, d + 1);
  }
  const scalar = rt instanceof protobuf.Enum ? enumIn(rt) : scalarIn(field.type);
  return (v) => scalar(v);
}

function repeatedConv(elem: Conv, onNull: NullResult): Conv {
  return (v, d) => {
    if (!Array.isArray(v)) return fail(`expected an array, got ${describe(v)}`);
    const n = v.length;
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      const el = v[i]!;
      try {
        if (el !== null) out[i] = elem(el, d);
        else if (onNull !== SKIP) out[i] = onNull;
        else fail('null is not allowed in a repeated field');
      } catch (err) {
        rethrowAt(err, indexSegment(i));
      }
    }
    return out;
  };
}

function mapConv(field: protobuf.MapField, elem: Conv, onNull: NullResult): Conv {
  const keyIn = mapKeyIn(field.keyType);
  return (v, d) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return fail(`expected an object (map), got ${describe(v)}`);
    // Null prototype: "__proto__" is an ordinary key here.
    const out: Record<string, unknown> = Object.create(null);
    for (const k in v) {
      const val = v[k]!;
      try {
        const key = keyIn(k);
        if (val !== null) out[key] = elem(val, d);
        else if (onNull !== SKIP) out[key] = onNull;
        else fail('null is not allowed as a map value');
      } catch (err) {
        rethrowAt(err, keySegment(k));
      }
    }
    return out;
  };
}

function compileField(field: protobuf.Field, oneofIndex: Map<protobuf.OneOf, number>): FieldIn {
  field.resolve();
  const elem = elementConv(field);
  const elemNull = nullResultOf(field);
  let conv: Conv;
  let onNull: NullResult = SKIP;
  if (field instanceof protobuf.MapField || field.map) conv = mapConv(field as unknown as protobuf.MapField, elem, elemNull);
  else if (field.repeated) conv = repeatedConv(elem, elemNull);
  else {
    conv = elem;
    onNull = elemNull;
  }
  const oneof = field.partOf ? (oneofIndex.get(field.partOf) ?? -1) : -1;
  return {
    name: field.name,
    conv,
    oneof,
    oneofName: field.partOf?.name ?? '',
    onNull,
    twoKeys: jsonNameOf(field) !== field.name,
  };
}

/** protoc's json_name: the option when given, else lowerCamelCase of the declared name. */
export function jsonNameOf(field: protobuf.Field): string {
  return field.jsonName ?? protobuf.util.jsonName(field.protoName ?? field.name);
}

/** Oneofs with more than one member; proto3 `optional` makes single-member synthetic ones. */
export function realOneofs(type: protobuf.Type): protobuf.OneOf[] {
  return type.oneofsArray.filter((o) => o.fieldsArray.length > 1 || !o.fieldsArray[0]?.options?.proto3_optional);
}

function compileMessage(type: protobuf.Type): Conv {
  const typeName = type.fullName.slice(1);
  const oneofIndex = new Map<protobuf.OneOf, number>();
  realOneofs(type).forEach((o, i) => oneofIndex.set(o, i));
  const byKey: Record<string, FieldIn> = Object.create(null);
  for (const field of type.fieldsArray) {
    const f = compileField(field, oneofIndex);
    byKey[field.name] = f;
    byKey[jsonNameOf(field)] = f;
    if (field.protoName) byKey[field.protoName] = f;
  }
  const limit = protobuf.util.recursionLimit;

  return (v, d) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return fail(`expected an object (${typeName}), got ${describe(v)}`);
    if (d > limit) return fail('message nesting exceeds the recursion limit');
    const out: Record<string, unknown> = {};
    let oneofKeys: string[] | undefined;
    for (const key in v) {
      const f = byKey[key];
      if (f === undefined) throwAt(key, `unknown field (not in ${typeName})`);
      const fv = v[key]!;
      let val: unknown;
      if (fv === null) {
        if (f.onNull === SKIP) continue;
        val = f.onNull;
      } else {
        try {
          val = f.conv(fv, d);
        } catch (err) {
          rethrowAt(err, fieldSegment(key));
        }
      }
      if (f.oneof >= 0) {
        oneofKeys ??= [];
        const prev = oneofKeys[f.oneof];
        if (prev !== undefined) throwAt(key, `oneof "${f.oneofName}" is already set by "${prev}"`);
        oneofKeys[f.oneof] = key;
      }
      if (f.twoKeys && out[f.name] !== undefined) throwAt(key, 'field given twice (by its JSON name and its proto name)');
      out[f.name] = val;
    }
    return out;
  };
}

function throwAt(key: string, message: string): never {
  const err = new ConvError(message);
  err.segments.push(fieldSegment(key));
  throw err;
}
