import * as protobuf from 'protobufjs';
import { inScope, type CompatScope, type IdlChange } from '../../../src/idl/compat';
import type { IdlFiles } from '../../../src/idl/model';
import { ProtoLocator, type Located } from './proto-compat-locate';

/**
 * The breaking-change rules of buf's WIRE_JSON category (plus RPC_NO_DELETE and
 * PACKAGE_SERVICE_NO_DELETE), compared on two resolved protobufjs Roots: what would break a
 * caller's binary or JSON. Rule names are buf's, so `buf breaking` explains each one too; see
 * docs/idl-compatibility.md for the few places where we differ.
 */

export interface ProtoVersion {
  readonly root: protobuf.Root;
  /** The pushed .proto files (path to text): only what they declare is compared. */
  readonly files: IdlFiles;
}

/** Scalar kinds that read each other's bytes and JSON alike (buf's wire+JSON compatibility groups). */
const WIRE_JSON_GROUP: Readonly<Record<string, number>> = {
  int32: 1, uint32: 1, int64: 2, uint64: 2, fixed32: 3, sfixed32: 3, fixed64: 4, sfixed64: 4,
  bool: 5, sint32: 6, sint64: 7, string: 8, bytes: 9, double: 10, float: 11, message: 13, enum: 14,
};

type Cardinality = 'optional' | 'required' | 'repeated' | 'map';

export function compareProto(before: ProtoVersion, after: ProtoVersion, scope: CompatScope): IdlChange[] {
  const out: IdlChange[] = [];
  const at = new ProtoLocator(after.files);
  const was = declared(before);
  const now = declared(after);
  const add = (kind: IdlChange['kind'], element: string, name: string, what: string, where: Located, rule?: string) =>
    out.push({ kind, element, name, what, ...where, ...(rule ? { rule } : {}) });

  for (const file of Object.keys(after.files)) {
    if (!file.endsWith('.proto') || before.files[file] === undefined) continue;
    const p0 = packageOf(before.files[file]!);
    const p1 = packageOf(after.files[file]!);
    if (p0 !== p1) add('changed', 'file', file, `file ${file} changed package from "${p0}" to "${p1}"`, at.packageOf(file), 'FILE_SAME_PACKAGE');
  }

  for (const [name, m1] of now.messages) {
    const m0 = was.messages.get(name);
    if (!m0) add('added', 'message', name, `message ${name} added`, at.declaration(m1));
    else compareMessage(m0, m1, before, after, at, add);
  }
  for (const [name, m0] of was.messages) {
    const parent = m0.parent && now.messages.get(fullName(m0.parent));
    if (!now.messages.has(name)) add('removed', 'message', name, `message ${name} removed`, parent ? at.declaration(parent) : { file: m0.filename ?? '', line: 1, col: 1 });
  }
  for (const [name, e1] of now.enums) {
    const e0 = was.enums.get(name);
    if (!e0) add('added', 'enum', name, `enum ${name} added`, at.declaration(e1));
    else compareEnum(e0, e1, before, after, at, add);
  }
  for (const [name, e0] of was.enums) if (!now.enums.has(name)) add('removed', 'enum', name, `enum ${name} removed`, { file: e0.filename ?? '', line: 1, col: 1 });

  for (const [name, s1] of now.services) {
    if (!inScope(scope, name)) continue;
    const s0 = was.services.get(name);
    if (!s0) {
      add('added', 'service', name, `service ${name} added`, at.declaration(s1));
      continue;
    }
    for (const m1 of s1.methodsArray) {
      const m0 = s0.methods[m1.name];
      if (!m0) add('added', 'method', `${name}.${m1.name}`, `method ${m1.name} added to service ${name}`, at.declaration(m1));
      else compareMethod(name, m0, m1, at, add);
    }
    for (const m0 of s0.methodsArray) {
      if (!s1.methods[m0.name]) add('removed', 'method', `${name}.${m0.name}`, `method ${m0.name} of service ${name} removed`, at.declaration(s1), 'RPC_NO_DELETE');
    }
  }
  for (const [name, s0] of was.services) {
    if (!inScope(scope, name) || now.services.has(name)) continue;
    const pkg = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : '';
    const file = Object.keys(after.files).find((f) => packageOf(after.files[f]!) === pkg);
    // A package gone as a whole is FILE_SAME_PACKAGE's to report (as buf does), not each of its services'.
    if (file) add('removed', 'service', name, `service ${name} removed`, at.packageOf(file), 'PACKAGE_SERVICE_NO_DELETE');
    else add('removed', 'service', name, `service ${name} removed`, { file: s0.filename ?? '', line: 1, col: 1 });
  }
  return out;
}

type Add = (kind: IdlChange['kind'], element: string, name: string, what: string, where: Located, rule?: string) => void;

function compareMessage(m0: protobuf.Type, m1: protobuf.Type, before: ProtoVersion, after: ProtoVersion, at: ProtoLocator, add: Add): void {
  const name = fullName(m1);
  const where = at.declaration(m1);
  if (jsonFormat(before, m0) === 'ALLOW' && jsonFormat(after, m1) !== 'ALLOW') {
    add('changed', 'message', name, `message ${name} lost its JSON format (the file is no longer proto3)`, where, 'MESSAGE_SAME_JSON_FORMAT');
  }
  for (const f1 of m1.fieldsArray) {
    const f0 = m0.fieldsById[f1.id];
    if (!f0) {
      add('added', 'field', `${name}.${f1.name}`, `field "${f1.name}" (${f1.id}) added to message ${name}`, at.member(m1, f1.name, f1.id));
      if (f1.required) add('added', 'field', `${name}.${f1.name}`, `required field "${f1.name}" (${f1.id}) added to message ${name}`, at.member(m1, f1.name, f1.id), 'MESSAGE_SAME_REQUIRED_FIELDS');
      continue;
    }
    compareField(name, f0, f1, at, add);
  }
  for (const f0 of m0.fieldsArray) {
    if (m1.fieldsById[f0.id]) continue;
    const desc = `field "${f0.name}" (${f0.id}) of message ${name} removed`;
    const numberReserved = reservedNumber(m1.reserved, f0.id);
    const nameReserved = reservedName(m1.reserved, f0.name);
    add('removed', 'field', `${name}.${f0.name}`, desc, where);
    if (!numberReserved) add('removed', 'field', `${name}.${f0.name}`, `${desc} without reserving the number ${f0.id}`, where, 'FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED');
    if (!nameReserved) add('removed', 'field', `${name}.${f0.name}`, `${desc} without reserving the name "${f0.name}"`, where, 'FIELD_NO_DELETE_UNLESS_NAME_RESERVED');
    if (f0.required) add('removed', 'field', `${name}.${f0.name}`, `required field "${f0.name}" (${f0.id}) of message ${name} removed`, where, 'MESSAGE_SAME_REQUIRED_FIELDS');
  }
  compareReserved('message', name, m0.reserved, m1.reserved, where, add, 'RESERVED_MESSAGE_NO_DELETE');
}

function compareField(message: string, f0: protobuf.Field, f1: protobuf.Field, at: ProtoLocator, add: Add): void {
  const qualified = `${message}.${f1.name}`;
  const desc = `field "${f1.name}" (${f1.id}) of message ${message}`;
  const named = at.member(f1.parent!, f1.name, f1.id);
  if (f0.name !== f1.name) add('changed', 'field', qualified, `field ${f1.id} of message ${message} changed name from "${f0.name}" to "${f1.name}"`, named, 'FIELD_SAME_NAME');
  if (jsonName(f0) !== jsonName(f1)) add('changed', 'field', qualified, `${desc} changed JSON name from "${jsonName(f0)}" to "${jsonName(f1)}"`, named, 'FIELD_SAME_JSON_NAME');
  const c0 = cardinality(f0);
  const c1 = cardinality(f1);
  if (c0 !== c1) add('changed', 'field', qualified, `${desc} changed from ${c0} to ${c1}`, named, 'FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY');
  if (c0 === 'map' && c1 === 'map') {
    // buf sees a map as a generated entry message with fields key = 1 and value = 2.
    const k0 = (f0 as unknown as protobuf.MapField).keyType;
    const k1 = (f1 as unknown as protobuf.MapField).keyType;
    if (k0 !== k1 && WIRE_JSON_GROUP[k0] !== WIRE_JSON_GROUP[k1]) add('changed', 'field', qualified, `${desc} changed map key type from ${k0} to ${k1}`, at.fieldType(f1), 'FIELD_WIRE_JSON_COMPATIBLE_TYPE');
    compareType(desc, qualified, f0, f1, at, add, 'map value type');
  } else if (c0 !== 'map' && c1 !== 'map') {
    compareType(desc, qualified, f0, f1, at, add, 'type');
  } else {
    const t0 = c0 === 'map' ? entryName(f0) : typeName(f0);
    const t1 = c1 === 'map' ? entryName(f1) : typeName(f1);
    if (t0 !== t1) add('changed', 'field', qualified, `${desc} changed type from ${t0} to ${t1}`, at.fieldType(f1), 'FIELD_WIRE_JSON_COMPATIBLE_TYPE');
  }
  const o0 = realOneof(f0);
  const o1 = realOneof(f1);
  if (o0 !== o1) {
    const what = o0 && o1 ? `moved from oneof "${o0}" to oneof "${o1}"` : o1 ? `moved into oneof "${o1}"` : `moved out of oneof "${o0}"`;
    add('changed', 'field', qualified, `${desc} ${what}`, named, 'FIELD_SAME_ONEOF');
  }
  const d0 = f0.options?.default;
  const d1 = f1.options?.default;
  if (c0 !== 'repeated' && c1 !== 'repeated' && c0 !== 'map' && c1 !== 'map' && kind(f0) !== 'message' && kind(f1) !== 'message' && String(d0 ?? '') !== String(d1 ?? '')) {
    add('changed', 'field', qualified, `${desc} changed default value from ${d0 ?? 'none'} to ${d1 ?? 'none'}`, named, 'FIELD_SAME_DEFAULT');
  }
  if (!!f0.required !== !!f1.required) add('changed', 'field', qualified, `${desc} ${f1.required ? 'became' : 'is no longer'} required`, named, 'MESSAGE_SAME_REQUIRED_FIELDS');
}

function compareType(desc: string, qualified: string, f0: protobuf.Field, f1: protobuf.Field, at: ProtoLocator, add: Add, label: string): void {
  const k0 = kind(f0);
  const k1 = kind(f1);
  const t0 = typeName(f0);
  const t1 = typeName(f1);
  if (t0 === t1) return;
  const problem = () => add('changed', 'field', qualified, `${desc} changed ${label} from ${t0} to ${t1}`, at.fieldType(f1), 'FIELD_WIRE_JSON_COMPATIBLE_TYPE');
  if (WIRE_JSON_GROUP[k0] !== WIRE_JSON_GROUP[k1]) return problem();
  if (k1 === 'message') return problem();
  if (k1 === 'enum') {
    // Another enum of the same short name with every value of the old one reads the same bytes and JSON.
    const e0 = f0.resolvedType as protobuf.Enum;
    const e1 = f1.resolvedType as protobuf.Enum;
    const subset = Object.entries(e0.values).every(([n, v]) => e1.values[n] === v);
    if (e0.name !== e1.name || !subset) return problem();
  }
  add('changed', 'field', qualified, `${desc} changed ${label} from ${t0} to ${t1} (wire and JSON compatible)`, at.fieldType(f1));
}

function compareEnum(e0: protobuf.Enum, e1: protobuf.Enum, before: ProtoVersion, after: ProtoVersion, at: ProtoLocator, add: Add): void {
  const name = fullName(e1);
  const where = at.declaration(e1);
  if (jsonFormat(before, e0) === 'ALLOW' && jsonFormat(after, e1) !== 'ALLOW') {
    add('changed', 'enum', name, `enum ${name} lost its JSON format (the file is no longer proto3)`, where, 'ENUM_SAME_JSON_FORMAT');
  }
  const names0 = namesByNumber(e0);
  const names1 = namesByNumber(e1);
  for (const [num, ns1] of names1) {
    const ns0 = names0.get(num);
    const first = ns1[0]!;
    if (!ns0) {
      add('added', 'enum value', `${name}.${first}`, `value ${ns1.join(', ')} = ${num} added to enum ${name}`, at.member(e1, first, num));
    } else if (!ns1.every((n) => ns0.includes(n))) {
      add('changed', 'enum value', `${name}.${first}`, `value ${num} of enum ${name} changed name from ${ns0.join(', ')} to ${ns1.join(', ')}`, at.member(e1, first, num), 'ENUM_VALUE_SAME_NAME');
    }
  }
  for (const [num, ns0] of names0) {
    if (names1.has(num)) continue;
    const desc = `value ${ns0.join(', ')} = ${num} of enum ${name} removed`;
    add('removed', 'enum value', `${name}.${ns0[0]}`, desc, where);
    if (!reservedNumber(e1.reserved, num)) add('removed', 'enum value', `${name}.${ns0[0]}`, `${desc} without reserving the number ${num}`, where, 'ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED');
    if (!ns0.every((n) => reservedName(e1.reserved, n))) add('removed', 'enum value', `${name}.${ns0[0]}`, `${desc} without reserving the name ${ns0.map((n) => `"${n}"`).join(', ')}`, where, 'ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED');
  }
  compareReserved('enum', name, e0.reserved, e1.reserved, where, add, 'RESERVED_ENUM_NO_DELETE');
}

function compareMethod(service: string, m0: protobuf.Method, m1: protobuf.Method, at: ProtoLocator, add: Add): void {
  const name = `${service}.${m1.name}`;
  const where = at.declaration(m1);
  const desc = `method ${m1.name} of service ${service}`;
  const req0 = fullName(m0.resolvedRequestType!);
  const req1 = fullName(m1.resolvedRequestType!);
  const res0 = fullName(m0.resolvedResponseType!);
  const res1 = fullName(m1.resolvedResponseType!);
  if (req0 !== req1) add('changed', 'method', name, `${desc} changed request type from ${req0} to ${req1}`, where, 'RPC_SAME_REQUEST_TYPE');
  if (res0 !== res1) add('changed', 'method', name, `${desc} changed response type from ${res0} to ${res1}`, where, 'RPC_SAME_RESPONSE_TYPE');
  const stream = (s: boolean | undefined) => (s ? 'streaming' : 'unary');
  if (!!m0.requestStream !== !!m1.requestStream) add('changed', 'method', name, `${desc} changed from client ${stream(m0.requestStream)} to client ${stream(m1.requestStream)}`, where, 'RPC_SAME_CLIENT_STREAMING');
  if (!!m0.responseStream !== !!m1.responseStream) add('changed', 'method', name, `${desc} changed from server ${stream(m0.responseStream)} to server ${stream(m1.responseStream)}`, where, 'RPC_SAME_SERVER_STREAMING');
  const i0 = idempotency(m0);
  const i1 = idempotency(m1);
  if (i0 !== i1) add('changed', 'method', name, `${desc} changed idempotency_level from ${i0} to ${i1}`, where, 'RPC_SAME_IDEMPOTENCY_LEVEL');
}

function compareReserved(element: string, name: string, r0: protobuf.Type['reserved'], r1: protobuf.Type['reserved'], where: Located, add: Add, rule: string): void {
  for (const r of r0 ?? []) {
    if (typeof r === 'string') {
      if (!reservedName(r1, r)) add('removed', element, name, `reserved name "${r}" of ${element} ${name} removed`, where, rule);
    } else if (!(r1 ?? []).some((n) => typeof n !== 'string' && n[0]! <= r[0]! && n[1]! >= r[1]!)) {
      add('removed', element, name, `reserved range ${r[0] === r[1] ? r[0] : `${r[0]} to ${r[1]}`} of ${element} ${name} removed or narrowed`, where, rule);
    }
  }
}

interface Declared {
  readonly messages: Map<string, protobuf.Type>;
  readonly enums: Map<string, protobuf.Enum>;
  readonly services: Map<string, protobuf.Service>;
}

/** Everything the pushed files declare, by full name (bundled protos such as google/protobuf are not the pusher's). */
function declared(v: ProtoVersion): Declared {
  const d: Declared = { messages: new Map(), enums: new Map(), services: new Map() };
  const walk = (ns: protobuf.NamespaceBase): void => {
    for (const obj of ns.nestedArray) {
      const own = obj.filename !== null && obj.filename !== undefined && v.files[obj.filename] !== undefined;
      if (obj instanceof protobuf.Type) {
        if (own) d.messages.set(fullName(obj), obj);
      } else if (obj instanceof protobuf.Enum) {
        if (own) d.enums.set(fullName(obj), obj);
      } else if (obj instanceof protobuf.Service) {
        if (own) d.services.set(fullName(obj), obj);
      }
      if (obj instanceof protobuf.Namespace) walk(obj);
    }
  };
  walk(v.root);
  return d;
}

function fullName(obj: protobuf.ReflectionObject): string {
  return obj.fullName.replace(/^\./, '');
}

function kind(f: protobuf.Field): string {
  if (!f.resolvedType && !f.resolved) f.resolve();
  if (f.resolvedType instanceof protobuf.Enum) return 'enum';
  if (f.resolvedType instanceof protobuf.Type) return 'message';
  return f.type;
}

function typeName(f: protobuf.Field): string {
  return f.resolvedType ? fullName(f.resolvedType) : f.type;
}

/** protoc's name for a map field's entry message: `foo_bar` becomes `FooBarEntry`. */
function entryName(f: protobuf.Field): string {
  const camel = f.name.replace(/_+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
  return `${fullName(f.parent!)}.${camel[0]!.toUpperCase()}${camel.slice(1)}Entry`;
}

function cardinality(f: protobuf.Field): Cardinality {
  if (f.map) return 'map';
  if (f.repeated) return 'repeated';
  if (f.required) return 'required';
  return 'optional';
}

/** protoc's default JSON name: underscores dropped, the letter after each upper-cased; `json_name` overrides. */
function jsonName(f: protobuf.Field): string {
  const explicit = f.options?.json_name;
  if (typeof explicit === 'string') return explicit;
  let out = '';
  let upper = false;
  for (const c of f.name) {
    if (c === '_') upper = true;
    else {
      out += upper ? c.toUpperCase() : c;
      upper = false;
    }
  }
  return out;
}

/** The oneof a field is in, ignoring the synthetic one protobufjs makes for a proto3 `optional`. */
function realOneof(f: protobuf.Field): string | undefined {
  if (!f.partOf || f.options?.proto3_optional) return undefined;
  return f.partOf.name;
}

function idempotency(m: protobuf.Method): string {
  const v = m.options?.idempotency_level;
  if (v === undefined || v === 0 || v === 'IDEMPOTENCY_UNKNOWN') return 'IDEMPOTENCY_UNKNOWN';
  return v === 1 ? 'NO_SIDE_EFFECTS' : v === 2 ? 'IDEMPOTENT' : String(v);
}

function namesByNumber(e: protobuf.Enum): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const [n, v] of Object.entries(e.values)) out.set(v, [...(out.get(v) ?? []), n].sort());
  return out;
}

function reservedNumber(reserved: protobuf.Type['reserved'], n: number): boolean {
  return (reserved ?? []).some((r) => typeof r !== 'string' && r[0]! <= n && n <= r[1]!);
}

function reservedName(reserved: protobuf.Type['reserved'], name: string): boolean {
  return (reserved ?? []).some((r) => r === name);
}

function packageOf(text: string): string {
  return /^\s*package\s+([\w.]+)\s*;/m.exec(text.replace(/\/\/.*$/gm, ''))?.[1] ?? '';
}

/** proto3 (and editions' default) is ALLOW; proto2 is LEGACY_BEST_EFFORT. */
function jsonFormat(v: ProtoVersion, obj: protobuf.ReflectionObject): 'ALLOW' | 'LEGACY_BEST_EFFORT' {
  const text = obj.filename ? v.files[obj.filename] : undefined;
  if (text === undefined) return 'ALLOW';
  const syntax = /^\s*(syntax|edition)\s*=\s*["']([^"']+)["']/m.exec(text.replace(/\/\/.*$/gm, ''));
  if (!syntax) return 'LEGACY_BEST_EFFORT';
  return syntax[1] === 'syntax' && syntax[2] === 'proto2' ? 'LEGACY_BEST_EFFORT' : 'ALLOW';
}
