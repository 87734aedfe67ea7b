import * as protobuf from 'protobufjs';
import type { JsonValue } from '../../json/json-value';
import { anyType } from './any-types';
import { ConvError, describe, fail, fieldSegment, indexSegment, rethrowAt } from './conv-error';
import type { Conv, MessageIn } from './json-to-proto';
import { isWellFormed, scalarIn } from './scalars-in';
import { parseDuration, parseTimestamp } from './time-formats';

/**
 * JSON to protobufjs input for the well-known types whose JSON is not a plain object of fields.
 * Field names are looked up by number, because protobufjs' bundled definitions mix snake_case
 * (Any.type_url) and camelCase (Value.nullValue).
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

export function wktIn(type: protobuf.Type, inFor: (t: protobuf.Type) => MessageIn): Conv | undefined {
  const full = type.fullName;
  if (WRAPPERS.has(full)) {
    const field = type.fieldsById[1]!;
    const conv = scalarIn(field.type);
    const name = field.name;
    return (v) => ({ [name]: conv(v) });
  }
  switch (full) {
    case '.google.protobuf.Timestamp':
    case '.google.protobuf.Duration': {
      const parse = full === '.google.protobuf.Timestamp' ? parseTimestamp : parseDuration;
      const s = nameById(type, 1);
      const n = nameById(type, 2);
      return (v) => {
        const r = parse(v);
        const o: Record<string, number> = {};
        if (r.seconds !== 0) o[s] = r.seconds;
        if (r.nanos !== 0) o[n] = r.nanos;
        return o;
      };
    }
    case '.google.protobuf.FieldMask': {
      const paths = nameById(type, 1);
      return (v) => {
        if (typeof v !== 'string') return fail(`expected a field mask string such as "user.displayName,photo", got ${describe(v)}`);
        if (v === '') return {};
        return {
          [paths]: v.split(',').map((p) => {
            if (!/^[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)*$/.test(p)) fail(`invalid field mask path ${JSON.stringify(p)} (want lowerCamelCase names joined by ".")`);
            return p.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
          }),
        };
      };
    }
    case '.google.protobuf.Struct': {
      const kit = structKit(type.fieldsById[1]!.resolve().resolvedType as protobuf.Type);
      return (v, d) => kit.struct(v, d);
    }
    case '.google.protobuf.Value':
      return structKit(type).value;
    case '.google.protobuf.ListValue': {
      const kit = structKit(type.fieldsById[1]!.resolve().resolvedType as protobuf.Type);
      return (v, d) => kit.list(v, d);
    }
    case '.google.protobuf.Any':
      return anyIn(type, inFor);
    default:
      return undefined;
  }
}

interface StructKit {
  value: Conv;
  struct: Conv;
  list: Conv;
}

const kits = new WeakMap<protobuf.Type, StructKit>();

/** Converters for Value, Struct and ListValue, given the Value type (they refer to each other). */
function structKit(valueType: protobuf.Type): StructKit {
  const cached = kits.get(valueType);
  if (cached) return cached;
  const [nul, num, str, bool, structF, listF] = [1, 2, 3, 4, 5, 6].map((id) => nameById(valueType, id)) as [string, string, string, string, string, string];
  const structType = valueType.fieldsById[5]!.resolve().resolvedType as protobuf.Type;
  const listType = valueType.fieldsById[6]!.resolve().resolvedType as protobuf.Type;
  const fieldsName = nameById(structType, 1);
  const valuesName = nameById(listType, 1);
  const limit = protobuf.util.recursionLimit;

  const fields = (obj: Record<string, JsonValue>, d: number): Record<string, unknown> => {
    const out: Record<string, unknown> = Object.create(null);
    for (const k in obj) {
      try {
        if (!isWellFormed(k)) fail('key holds an unpaired surrogate');
        out[k] = value(obj[k]!, d);
      } catch (err) {
        rethrowAt(err, fieldSegment(k));
      }
    }
    return out;
  };
  const values = (arr: JsonValue[], d: number): unknown[] =>
    arr.map((el, i) => {
      try {
        return value(el, d);
      } catch (err) {
        return rethrowAt(err, indexSegment(i));
      }
    });
  const value: Conv = (v, d) => {
    if (d > limit) return fail('value nesting exceeds the recursion limit');
    if (v === null) return { [nul]: 0 };
    switch (typeof v) {
      case 'number':
        if (!Number.isFinite(v)) return fail('number is out of range for google.protobuf.Value (a double)');
        return { [num]: v };
      case 'bigint': {
        const n = Number(v);
        if (BigInt(n) !== v) return fail(`${v} would lose precision in google.protobuf.Value (a double); send it as a string`);
        return { [num]: n };
      }
      case 'string':
        if (!isWellFormed(v)) return fail('string holds an unpaired surrogate (not valid UTF-8)');
        return { [str]: v };
      case 'boolean':
        return { [bool]: v };
    }
    if (Array.isArray(v)) return { [listF]: { [valuesName]: values(v, d + 2) } };
    return { [structF]: { [fieldsName]: fields(v as Record<string, JsonValue>, d + 2) } };
  };
  const kit: StructKit = {
    value,
    struct: (v, d) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return fail(`expected an object (google.protobuf.Struct), got ${describe(v)}`);
      return { [fieldsName]: fields(v, d + 1) };
    },
    list: (v, d) => {
      if (!Array.isArray(v)) return fail(`expected an array (google.protobuf.ListValue), got ${describe(v)}`);
      return { [valuesName]: values(v, d + 1) };
    },
  };
  kits.set(valueType, kit);
  return kit;
}

function throwAt(key: string, message: string): never {
  const err = new ConvError(message);
  err.segments.push(fieldSegment(key));
  throw err;
}

function anyIn(type: protobuf.Type, inFor: (t: protobuf.Type) => MessageIn): Conv {
  const urlName = nameById(type, 1);
  const valueName = nameById(type, 2);
  return (v, d) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return fail(`expected an object with "@type" (google.protobuf.Any), got ${describe(v)}`);
    const url = v['@type'];
    if (url === undefined) {
      for (const k in v) throwAt(k, 'google.protobuf.Any needs "@type" before any other member');
      return {};
    }
    if (typeof url !== 'string') return throwAt('@type', `expected a type URL string, got ${describe(url)}`);
    const inner = anyType(type.root as protobuf.Root, url);
    if (!inner) return throwAt('@type', `unknown type URL ${JSON.stringify(url)} (no such message type in the IDL)`);
    const conv = inFor(inner);
    let obj: unknown;
    if (hasSpecialJson(inner.fullName)) {
      for (const k in v) if (k !== '@type' && k !== 'value') throwAt(k, `unknown field (an Any of ${inner.fullName.slice(1)} has only "@type" and "value")`);
      if (!('value' in v)) return fail(`an Any of ${inner.fullName.slice(1)} needs "value"`);
      try {
        obj = conv.conv(v['value']!, d + 1);
      } catch (err) {
        rethrowAt(err, fieldSegment('value'));
      }
    } else {
      // Null prototype: a "__proto__" member must stay an ordinary (unknown) field.
      const body: Record<string, JsonValue> = Object.create(null);
      for (const k in v) if (k !== '@type') body[k] = v[k]!;
      obj = conv.conv(body, d + 1);
    }
    return { [urlName]: url, [valueName]: inner.encode(obj as Record<string, unknown>).finish() };
  };
}
