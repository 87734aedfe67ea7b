import * as protobuf from 'protobufjs';
import { anyType } from './any-types';
import type { MessageOut } from './message-types';
import { base64Of, doubleText, longNumber, quote, scalarOut, type ValueOut } from './scalars-out';
import { formatDuration, formatTimestamp } from './time-formats';
import { hasSpecialJson, isWrapper, nameById } from './wkt-in';

/**
 * Decoded well-known types to their canonical JSON text. Field names are looked up by number
 * (see wkt-in.ts). Values protoc refuses to print (a Timestamp out of range) throw a plain
 * Error, which the codec reports as INTERNAL.
 */

export function wktOut(type: protobuf.Type, outFor: (t: protobuf.Type) => MessageOut): ValueOut | undefined {
  const full = type.fullName;
  if (isWrapper(full)) {
    const field = type.fieldsById[1]!.resolve();
    const w = scalarOut(field.type);
    const name = field.name;
    const dflt: unknown = field.defaultValue;
    // An unset wrapper field is left out by its parent; a set one prints its value even when default.
    return (m, n) => w(m[name] ?? dflt, n);
  }
  switch (full) {
    case '.google.protobuf.Timestamp':
    case '.google.protobuf.Duration': {
      const format = full === '.google.protobuf.Timestamp' ? formatTimestamp : formatDuration;
      const s = nameById(type, 1);
      const ns = nameById(type, 2);
      return (m) => '"' + format(longNumber(m[s]), m[ns] ?? 0) + '"';
    }
    case '.google.protobuf.FieldMask': {
      const paths = nameById(type, 1);
      return (m) => JSON.stringify(((m[paths] ?? []) as string[]).map((p) => protobuf.util.jsonName(p)).join(','));
    }
    case '.google.protobuf.Struct':
      return structKit(type.fieldsById[1]!.resolve().resolvedType as protobuf.Type).struct;
    case '.google.protobuf.Value':
      return structKit(type).value;
    case '.google.protobuf.ListValue':
      return structKit(type.fieldsById[1]!.resolve().resolvedType as protobuf.Type).list;
    case '.google.protobuf.Any': {
      const urlName = nameById(type, 1);
      const valueName = nameById(type, 2);
      return (m, n) => anyJson(m[urlName], m[valueName], type.root as protobuf.Root, outFor, n);
    }
    default:
      return undefined;
  }
}

/**
 * `{"@type": url, ...fields}`, or `{"@type": url, "value": <json>}` for types with a special JSON
 * form. A type no root knows is written as `{"@type": url, "value": "<base64>"}` rather than
 * failing the whole response.
 */
export function anyJson(url: string | undefined, value: Uint8Array | undefined, root: protobuf.Root, outFor: (t: protobuf.Type) => MessageOut, n: boolean): string {
  if (!url) return '{}';
  const head = '{"@type":' + JSON.stringify(url);
  const inner = anyType(root, url);
  if (!inner) return head + ',"value":"' + base64Of(value) + '"}';
  const body = outFor(inner).write(inner.decode(value ?? new Uint8Array(0)), n);
  if (hasSpecialJson(inner.fullName)) return head + ',"value":' + body + '}';
  return body === '{}' ? head + '}' : head + ',' + body.slice(1);
}

interface StructKit {
  value: ValueOut;
  struct: ValueOut;
  list: ValueOut;
}

const kits = new WeakMap<protobuf.Type, StructKit>();

function structKit(valueType: protobuf.Type): StructKit {
  const cached = kits.get(valueType);
  if (cached) return cached;
  const [nul, num, str, bool, structF, listF] = [1, 2, 3, 4, 5, 6].map((id) => nameById(valueType, id)) as [string, string, string, string, string, string];
  const structType = valueType.fieldsById[5]!.resolve().resolvedType as protobuf.Type;
  const listType = valueType.fieldsById[6]!.resolve().resolvedType as protobuf.Type;
  const fieldsName = nameById(structType, 1);
  const valuesName = nameById(listType, 1);
  const has = (m: object, k: string): boolean => Object.prototype.hasOwnProperty.call(m, k);

  const struct: ValueOut = (m) => {
    const fields = m?.[fieldsName];
    let s = '';
    if (fields) for (const k in fields) s += ',' + quote(k) + ':' + value(fields[k], false);
    return '{' + s.slice(1) + '}';
  };
  const list: ValueOut = (m) => {
    const values = m?.[valuesName];
    if (!values || values.length === 0) return '[]';
    let s = value(values[0], false);
    for (let i = 1; i < values.length; i++) s += ',' + value(values[i], false);
    return '[' + s + ']';
  };
  // No kind set prints as null: the most useful reading of a Value nobody filled in.
  const value: ValueOut = (m) => {
    if (m == null || has(m, nul)) return 'null';
    if (has(m, num)) return doubleText(m[num]);
    if (has(m, str)) return quote(m[str]);
    if (has(m, bool)) return m[bool] ? 'true' : 'false';
    if (has(m, structF)) return struct(m[structF], false);
    if (has(m, listF)) return list(m[listF], false);
    return 'null';
  };
  const kit = { value, struct, list };
  kits.set(valueType, kit);
  return kit;
}
