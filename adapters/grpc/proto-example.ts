import * as protobuf from 'protobufjs';
import type { JsonValue } from '../../src/json/json-value';
import { jsonNameOf, realOneofs } from './codec/json-to-proto';
import { isWrapper } from './codec/wkt-in';
import { int64Unsigned } from './codec/int64-types';

/**
 * A sample request or response for `idl show`: every field set (only the first member of a
 * oneof), one element per repeated field and map, message nesting cut at depth 3.
 */

const MAX_DEPTH = 3;

const WKT_SAMPLES: Record<string, JsonValue> = {
  '.google.protobuf.Timestamp': '2024-01-01T00:00:00Z',
  '.google.protobuf.Duration': '1.5s',
  '.google.protobuf.FieldMask': 'fieldName,otherField',
  '.google.protobuf.Struct': { key: 'value' },
  '.google.protobuf.Value': 'value',
  '.google.protobuf.ListValue': ['value'],
  '.google.protobuf.Any': { '@type': 'type.googleapis.com/google.protobuf.Empty' },
  '.google.protobuf.Empty': {},
};

function scalarSample(type: string): JsonValue {
  if (int64Unsigned(type) !== undefined) return '0';
  switch (type) {
    case 'bool':
      return false;
    case 'string':
      return 'string';
    case 'bytes':
      return 'Ynl0ZXM=';
    default:
      return 0;
  }
}

function mapKeySample(keyType: string): string {
  if (keyType === 'string') return 'key';
  if (keyType === 'bool') return 'true';
  return '0';
}

function elementSample(field: protobuf.Field, depth: number): JsonValue | undefined {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Enum) {
    if (rt.fullName === '.google.protobuf.NullValue') return null;
    return Object.keys(rt.values)[0] ?? 0;
  }
  if (rt instanceof protobuf.Type) return messageSample(rt, depth + 1);
  return scalarSample(field.type);
}

function messageSample(type: protobuf.Type, depth: number): JsonValue | undefined {
  const wkt = WKT_SAMPLES[type.fullName];
  if (wkt !== undefined) return structuredClone(wkt);
  if (isWrapper(type.fullName)) return scalarSample(type.fieldsById[1]!.type);
  if (depth > MAX_DEPTH) return undefined;
  const skipped = new Set<protobuf.Field>();
  for (const oneof of realOneofs(type)) for (const f of oneof.fieldsArray.slice(1)) skipped.add(f);
  const out: { [key: string]: JsonValue } = {};
  for (const field of type.fieldsArray.slice().sort((a, b) => a.id - b.id)) {
    if (skipped.has(field)) continue;
    field.resolve();
    const el = elementSample(field, depth);
    if (el === undefined) continue;
    if (field instanceof protobuf.MapField || field.map) out[jsonNameOf(field)] = { [mapKeySample((field as unknown as protobuf.MapField).keyType)]: el };
    else if (field.repeated) out[jsonNameOf(field)] = [el];
    else out[jsonNameOf(field)] = el;
  }
  return out;
}

export function exampleOf(type: protobuf.Type): JsonValue {
  return messageSample(type, 1) ?? {};
}
