import * as protobuf from 'protobufjs';
import type { JsonValue } from '../../../src/json/json-value';
import { describe, fail, failAt, fieldSegment, indexSegment, keySegment, rethrowAt } from '../../../src/codec/json-path';
import { mapKeyIn } from './scalars-in';
import { enumKind, scalarKind, type WireKind } from './wire-scalars';
import type { WireWriter } from './wire-writer';
import { wktWriter } from './wkt-in';
import type { MessageWrite, MessageWriter } from './message-types';

/**
 * Strict proto3 JSON straight to protobuf wire bytes. One writer per message type, built once
 * from reflection and cached: per field a closure with its tag and scalar kind fixed, so a call
 * does one key look-up per JSON member and writes as it validates, with no intermediate object.
 * A field of a message type calls its type's writer through a holder, so recursive types compile.
 */


const cache = new WeakMap<protobuf.Type, MessageWriter>();

export function messageWriter(type: protobuf.Type): MessageWriter {
  let holder = cache.get(type);
  if (holder) return holder;
  const pending: MessageWriter = { write: () => fail(`${type.fullName} is still being compiled`) };
  cache.set(type, pending);
  pending.write = wktWriter(type, messageWriter) ?? compileMessage(type);
  holder = pending;
  return holder;
}

/** Writes one non-null value of a field (tag included), or nothing for an implicit default. */
type FieldWrite = (v: JsonValue, w: WireWriter, d: number) => void;

interface FieldIn {
  readonly write: FieldWrite;
  /** Rank in field-number order. */
  readonly order: number;
  /** Index among the type's real oneofs, -1 when not in one. */
  readonly oneof: number;
  readonly oneofName: string;
  /** JSON null is a value here (google.protobuf.Value, NullValue), not "unset". */
  readonly nullIsValue: boolean;
  /** The field answers to two JSON keys, so both may be present. */
  readonly twoKeys: boolean;
}

const LENGTH = 2;

function tagOf(id: number, wireType: number): number {
  return ((id << 3) | wireType) >>> 0;
}

function nullIsValue(field: protobuf.Field): boolean {
  const fullName = field.resolvedType?.fullName;
  return fullName === '.google.protobuf.Value' || fullName === '.google.protobuf.NullValue';
}

function kindOf(field: protobuf.Field): WireKind {
  const rt = field.resolvedType;
  return rt instanceof protobuf.Enum ? enumKind(rt, field.typeDefault) : scalarKind(field.type);
}

/** Tag and one value of the field's element type, written whatever the value (repeated elements, map values, fields with presence). */
function elementWrite(field: protobuf.Field, id: number, inMap: boolean): FieldWrite {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) {
    const sub = messageWriter(rt);
    if (field.delimited && !inMap) {
      const open = tagOf(id, 3);
      const close = tagOf(id, 4);
      return (v, w, d) => {
        w.varint32(open);
        sub.write(v, w, d + 1);
        w.varint32(close);
      };
    }
    const tag = tagOf(id, LENGTH);
    return (v, w, d) => {
      w.varint32(tag);
      const start = w.beginLength();
      sub.write(v, w, d + 1);
      w.endLength(start);
    };
  }
  const kind = kindOf(field);
  return kind.element(tagOf(id, kind.wireType));
}

/** A singular scalar without presence: its default value is not written. */
function implicitWrite(field: protobuf.Field): FieldWrite {
  const kind = kindOf(field);
  return kind.implicit(tagOf(field.id, kind.wireType));
}

function packedWrite(kind: WireKind, id: number, nullOk: boolean): FieldWrite {
  const { conv, put } = kind;
  const tag = tagOf(id, LENGTH);
  return (v, w) => {
    if (!Array.isArray(v)) return fail(`expected an array, got ${describe(v)}`);
    const n = v.length;
    if (n === 0) return;
    w.varint32(tag);
    const start = w.beginLength();
    for (let i = 0; i < n; i++) {
      const el = v[i]!;
      try {
        if (el === null && !nullOk) fail('null is not allowed in a repeated field');
        put(w, conv(el));
      } catch (err) {
        rethrowAt(err, indexSegment(i));
      }
    }
    w.endLength(start);
  };
}

function repeatedWrite(elem: FieldWrite, nullOk: boolean): FieldWrite {
  return (v, w, d) => {
    if (!Array.isArray(v)) return fail(`expected an array, got ${describe(v)}`);
    const n = v.length;
    for (let i = 0; i < n; i++) {
      const el = v[i]!;
      try {
        if (el === null && !nullOk) fail('null is not allowed in a repeated field');
        elem(el, w, d);
      } catch (err) {
        rethrowAt(err, indexSegment(i));
      }
    }
  };
}

/** Each map entry is a sub-message: key as field 1, value as field 2, both always written. */
function mapWrite(field: protobuf.MapField, nullOk: boolean): FieldWrite {
  const keyIn = mapKeyIn(field.keyType);
  const keyKind = scalarKind(field.keyType);
  const keyPut = keyKind.put;
  const keyTag = tagOf(1, keyKind.wireType);
  const value = elementWrite(field as unknown as protobuf.Field, 2, true);
  const tag = tagOf(field.id, LENGTH);
  const integerKeys = field.keyType !== 'string' && field.keyType !== 'bool';
  return (v, w, d) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return fail(`expected an object (map), got ${describe(v)}`);
    // "1" and "01" are one integer key: given both, the map is refused, as protojson refuses it.
    let checked = !integerKeys;
    for (const k in v) {
      const val = v[k]!;
      try {
        const key = keyIn(k);
        if (!checked && String(key) !== k) {
          checked = true;
          sameIntegerKeys(v, keyIn);
        }
        if (val === null && !nullOk) fail('null is not allowed as a map value');
        w.varint32(tag);
        const start = w.beginLength();
        w.varint32(keyTag);
        keyPut(w, key);
        value(val, w, d);
        w.endLength(start);
      } catch (err) {
        rethrowAt(err, keySegment(k));
      }
    }
  };
}

/** Fails when two members of `obj` spell the same integer key; members that are no key are left to the caller. */
function sameIntegerKeys(obj: { [key: string]: JsonValue }, keyIn: (k: string) => unknown): void {
  const seen = new Map<string, string>();
  for (const k in obj) {
    let canonical: string;
    try {
      canonical = String(keyIn(k));
    } catch {
      continue;
    }
    const prev = seen.get(canonical);
    if (prev !== undefined) fail(`map keys ${JSON.stringify(prev)} and ${JSON.stringify(k)} are the same key`);
    seen.set(canonical, k);
  }
}

function fieldWrite(field: protobuf.Field, nullOk: boolean): FieldWrite {
  if (field instanceof protobuf.MapField || field.map) return mapWrite(field as unknown as protobuf.MapField, nullOk);
  const isMessage = field.resolvedType instanceof protobuf.Type;
  if (field.repeated) {
    if (!isMessage && field.packed && kindOf(field).packable) return packedWrite(kindOf(field), field.id, nullOk);
    return repeatedWrite(elementWrite(field, field.id, false), nullOk);
  }
  // protobufjs' encoder: required fields and fields with presence are written whenever set.
  if (isMessage || field.required || field.hasPresence) return elementWrite(field, field.id, false);
  return implicitWrite(field);
}

/** protoc's json_name: the option when given, else lowerCamelCase of the declared name. */
export function jsonNameOf(field: protobuf.Field): string {
  return field.jsonName ?? protobuf.util.jsonName(field.protoName ?? field.name);
}

/** Oneofs with more than one member; proto3 `optional` makes single-member synthetic ones. */
export function realOneofs(type: protobuf.Type): protobuf.OneOf[] {
  return type.oneofsArray.filter((o) => o.fieldsArray.length > 1 || !o.fieldsArray[0]?.options?.proto3_optional);
}

function compileMessage(type: protobuf.Type): MessageWrite {
  const typeName = type.fullName.slice(1);
  const oneofIndex = new Map<protobuf.OneOf, number>();
  realOneofs(type).forEach((o, i) => oneofIndex.set(o, i));
  const byKey: Record<string, FieldIn> = Object.create(null);
  const fields = type.fieldsArray.slice().sort((a, b) => a.id - b.id);
  fields.forEach((field, order) => {
    field.resolve();
    const nullOk = nullIsValue(field);
    const f: FieldIn = {
      write: fieldWrite(field, nullOk),
      order,
      oneof: field.partOf ? (oneofIndex.get(field.partOf) ?? -1) : -1,
      oneofName: field.partOf?.name ?? '',
      // A map field's null means "unset". A Value or NullValue takes null as a value; repeated,
      // that null is then no array and refused, as protojson refuses it.
      nullIsValue: nullOk && !field.map,
      twoKeys: jsonNameOf(field) !== field.name,
    };
    byKey[field.name] = f;
    byKey[jsonNameOf(field)] = f;
    if (field.protoName) byKey[field.protoName] = f;
  });
  // proto2 `required`: protoc's JSON parser refuses a message without them; so does this one.
  const required = fields.filter((f) => f.required).map((f) => [f.name, jsonNameOf(f)] as const);
  const limit = protobuf.util.recursionLimit;

  return (v, w, d) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return fail(`expected an object (${typeName}), got ${describe(v)}`);
    if (d > limit) return fail('message nesting exceeds the recursion limit');
    const base = w.markTop;
    let last = -1;
    let ordered = true;
    let oneofKeys: string[] | undefined;
    let given: boolean[] | undefined;
    for (const key in v) {
      const f = byKey[key];
      if (f === undefined) return failAt(key, `unknown field (not in ${typeName})`);
      const fv = v[key]!;
      if (f.twoKeys) {
        // Checked before null is skipped: protojson refuses a field given twice even when one is null.
        given ??= [];
        if (given[f.order]) failAt(key, 'field given twice (by its JSON name and its proto name)');
        given[f.order] = true;
      }
      if (fv === null && !f.nullIsValue) continue;
      w.mark(f.order);
      try {
        f.write(fv, w, d);
      } catch (err) {
        rethrowAt(err, fieldSegment(key));
      }
      if (f.oneof >= 0) {
        oneofKeys ??= [];
        const prev = oneofKeys[f.oneof];
        if (prev !== undefined) failAt(key, `oneof "${f.oneofName}" is already set by "${prev}"`);
        oneofKeys[f.oneof] = key;
      }
      if (f.order > last) last = f.order;
      else ordered = false;
    }
    // Fields are written in field-number order, as protoc and protobufjs write them.
    if (!ordered) w.sortFields(base);
    w.markTop = base;
    for (const [name, jsonName] of required) {
      if ((v[name] ?? v[jsonName] ?? null) === null) fail(`missing required field "${jsonName}"`);
    }
  };
}
