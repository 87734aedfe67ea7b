import * as protobuf from 'protobufjs';
import type { JsonValue } from '../../../src/json/json-value';
import { anyType } from './any-types';
import { describe, fail, failAt, fieldSegment, indexSegment, rethrowAt } from '../../../src/codec/json-path';
import type { MessageWrite, MessageWriter } from './message-types';
import { isWellFormed } from './scalars-in';
import { structNumber } from './struct-number';
import { parseDuration, parseTimestamp } from './time-formats';
import { scalarKind } from './wire-scalars';
import type { WireWriter } from './wire-writer';

/**
 * JSON to wire bytes for the well-known types whose JSON is not a plain object of fields. Their
 * field numbers are fixed by the spec, so tags are written as constants; field names (which
 * protobufjs' bundled definitions spell in mixed styles) are looked up by number only on output.
 */

const WRAPPERS = new Set(['DoubleValue', 'FloatValue', 'Int64Value', 'UInt64Value', 'Int32Value', 'UInt32Value', 'BoolValue', 'StringValue', 'BytesValue'].map((n) => `.google.protobuf.${n}`));

export function isWrapper(fullName: string): boolean {
  return WRAPPERS.has(fullName);
}

/** Types written as `{"@type": ..., "value": <json>}` inside an Any. */
export function hasSpecialJson(fullName: string): boolean {
  return WRAPPERS.has(fullName) || SPECIAL.has(fullName);
}
const SPECIAL = new Set(['Any', 'Timestamp', 'Duration', 'FieldMask', 'Struct', 'Value', 'ListValue'].map((n) => `.google.protobuf.${n}`));

export function nameById(type: protobuf.Type, id: number): string {
  const f = type.fieldsById[id];
  if (!f) throw new Error(`${type.fullName} has no field ${id}`);
  return f.name;
}

// Tags (field number << 3 | wire type) of the well-known types' fields.
const TAG_1_VARINT = 0x08;
const TAG_2_VARINT = 0x10;
const TAG_1_LENGTH = 0x0a;
const TAG_2_LENGTH = 0x12;
const VALUE_NUMBER = 0x11;
const VALUE_STRING = 0x1a;
const VALUE_BOOL = 0x20;
const VALUE_STRUCT = 0x2a;
const VALUE_LIST = 0x32;

const FIELD_MASK_PATH = /^[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)*$/;

export function wktWriter(type: protobuf.Type, writerFor: (t: protobuf.Type) => MessageWriter): MessageWrite | undefined {
  const full = type.fullName;
  if (WRAPPERS.has(full)) {
    // The wrapped value is a proto3 field without presence: a default value leaves the message empty.
    const kind = scalarKind(type.fieldsById[1]!.type);
    return kind.implicit((1 << 3) | kind.wireType);
  }
  switch (full) {
    case '.google.protobuf.Timestamp':
    case '.google.protobuf.Duration': {
      const parse = full === '.google.protobuf.Timestamp' ? parseTimestamp : parseDuration;
      return (v, w) => {
        const r = parse(v);
        if (r.seconds !== 0) {
          w.varint32(TAG_1_VARINT);
          w.int64(r.seconds);
        }
        if (r.nanos !== 0) {
          w.varint32(TAG_2_VARINT);
          w.int32(r.nanos);
        }
      };
    }
    case '.google.protobuf.FieldMask':
      return (v, w) => {
        if (typeof v !== 'string') return fail(`expected a field mask string such as "user.displayName,photo", got ${describe(v)}`);
        if (v === '') return;
        for (const p of v.split(',')) {
          if (!FIELD_MASK_PATH.test(p)) fail(`invalid field mask path ${JSON.stringify(p)} (want lowerCamelCase names joined by ".")`);
          w.varint32(TAG_1_LENGTH);
          w.string(p.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase()));
        }
      };
    case '.google.protobuf.Struct':
      return (v, w, d) => {
        if (v === null || typeof v !== 'object' || Array.isArray(v)) return fail(`expected an object (google.protobuf.Struct), got ${describe(v)}`);
        structFields(v, w, d + 1);
      };
    case '.google.protobuf.Value':
      return value;
    case '.google.protobuf.ListValue':
      return (v, w, d) => {
        if (!Array.isArray(v)) return fail(`expected an array (google.protobuf.ListValue), got ${describe(v)}`);
        listValues(v, w, d + 1);
      };
    case '.google.protobuf.Any':
      return anyWrite(type, writerFor);
    default:
      return undefined;
  }
}

/*
 * Value, Struct and ListValue refer to each other. `d` grows by 2 per JSON level, as protobufjs
 * counts it (a Value inside a Struct is a map entry's value), and is checked against its limit.
 */

function value(v: JsonValue, w: WireWriter, d: number): void {
  if (d > protobuf.util.recursionLimit) fail('value nesting exceeds the recursion limit');
  if (v === null) {
    w.varint32(TAG_1_VARINT);
    w.varint32(0);
    return;
  }
  switch (typeof v) {
    case 'number':
      if (!Number.isFinite(v)) fail('number is out of range for google.protobuf.Value (a double)');
      w.varint32(VALUE_NUMBER);
      w.double(v);
      return;
    case 'bigint': {
      const n = structNumber(v);
      if (n === undefined) fail(`${v} would lose precision in google.protobuf.Value (a double); send it as a string`);
      w.varint32(VALUE_NUMBER);
      w.double(n);
      return;
    }
    case 'string':
      if (!isWellFormed(v)) fail('string holds an unpaired surrogate (not valid UTF-8)');
      w.varint32(VALUE_STRING);
      w.string(v);
      return;
    case 'boolean':
      w.varint32(VALUE_BOOL);
      w.bool(v);
      return;
  }
  const isList = Array.isArray(v);
  w.varint32(isList ? VALUE_LIST : VALUE_STRUCT);
  const start = w.beginLength();
  if (isList) listValues(v, w, d + 2);
  else structFields(v, w, d + 2);
  w.endLength(start);
}

/** Struct.fields: map<string, Value>, one entry sub-message per member. */
function structFields(obj: { [key: string]: JsonValue }, w: WireWriter, d: number): void {
  for (const k in obj) {
    try {
      if (!isWellFormed(k)) fail('key holds an unpaired surrogate');
      w.varint32(TAG_1_LENGTH);
      const entry = w.beginLength();
      w.varint32(TAG_1_LENGTH);
      w.string(k);
      w.varint32(TAG_2_LENGTH);
      const val = w.beginLength();
      value(obj[k]!, w, d);
      w.endLength(val);
      w.endLength(entry);
    } catch (err) {
      rethrowAt(err, fieldSegment(k));
    }
  }
}

/** ListValue.values: repeated Value. */
function listValues(arr: JsonValue[], w: WireWriter, d: number): void {
  for (let i = 0; i < arr.length; i++) {
    try {
      w.varint32(TAG_1_LENGTH);
      const start = w.beginLength();
      value(arr[i]!, w, d);
      w.endLength(start);
    } catch (err) {
      rethrowAt(err, indexSegment(i));
    }
  }
}

/** Any: type_url (1) and the inner message's bytes (2), written in place as a sub-message. */
function anyWrite(type: protobuf.Type, writerFor: (t: protobuf.Type) => MessageWriter): MessageWrite {
  return (v, w, d) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return fail(`expected an object with "@type" (google.protobuf.Any), got ${describe(v)}`);
    const url = v['@type'];
    if (url === undefined) {
      for (const k in v) failAt(k, 'google.protobuf.Any needs "@type" before any other member');
      return;
    }
    if (typeof url !== 'string') return failAt('@type', `expected a type URL string, got ${describe(url)}`);
    const inner = anyType(type.root as protobuf.Root, url);
    if (!inner) return failAt('@type', `unknown type URL ${JSON.stringify(url)} (no such message type in the IDL)`);
    const innerWriter = writerFor(inner);
    w.varint32(TAG_1_LENGTH);
    w.string(url);
    const tagAt = w.pos;
    w.varint32(TAG_2_LENGTH);
    const start = w.beginLength();
    if (hasSpecialJson(inner.fullName)) {
      for (const k in v) if (k !== '@type' && k !== 'value') failAt(k, `unknown field (an Any of ${inner.fullName.slice(1)} has only "@type" and "value")`);
      if (!('value' in v)) return fail(`an Any of ${inner.fullName.slice(1)} needs "value"`);
      try {
        innerWriter.write(v['value']!, w, d + 1);
      } catch (err) {
        rethrowAt(err, fieldSegment('value'));
      }
    } else {
      // Null prototype: a "__proto__" member must stay an ordinary (unknown) field.
      const body: Record<string, JsonValue> = Object.create(null);
      for (const k in v) if (k !== '@type' && !(k === 'value' && isEmptyValue(inner, v[k]!))) body[k] = v[k]!;
      innerWriter.write(body, w, d + 1);
    }
    // value is a bytes field without presence: empty inner bytes are not written at all.
    if (w.pos === start) w.pos = tagAt;
    else w.endLength(start);
  };
}

/** protojson also reads an Any of google.protobuf.Empty in the `{"@type": ..., "value": {}}` form. */
function isEmptyValue(inner: protobuf.Type, v: JsonValue): boolean {
  if (inner.fullName !== '.google.protobuf.Empty' || v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  for (const _k in v) return false;
  return true;
}
