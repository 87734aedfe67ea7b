import * as descriptor from 'protobufjs/ext/descriptor';
import { IdlError } from '../../../src/idl/model';

/**
 * A serialized FileDescriptorProto (what gRPC reflection serves) written back as .proto text,
 * so that a reflected service is stored, compared and shown like one pushed from files. Only
 * what reaches the wire or JSON is kept: messages, fields (labels, oneofs, maps, json_name,
 * proto2 defaults, packed), enums, reserved ranges and names, services and methods with their
 * idempotency level. Comments and other options are not in a descriptor's wire form we use.
 */

interface Field {
  name: string;
  number: number;
  label?: string;
  type?: string;
  typeName?: string;
  extendee?: string;
  defaultValue?: string;
  oneofIndex?: number;
  jsonName?: string;
  options?: { packed?: boolean };
  proto3Optional?: boolean;
}
interface Range {
  start: number;
  end: number;
}
interface Enum {
  name: string;
  value?: Array<{ name: string; number: number }>;
  options?: { allowAlias?: boolean };
  reservedRange?: Range[];
  reservedName?: string[];
}
interface Message {
  name: string;
  field?: Field[];
  extension?: Field[];
  nestedType?: Message[];
  enumType?: Enum[];
  extensionRange?: Range[];
  oneofDecl?: Array<{ name: string }>;
  options?: { mapEntry?: boolean };
  reservedRange?: Range[];
  reservedName?: string[];
}
interface Method {
  name: string;
  inputType: string;
  outputType: string;
  options?: { idempotencyLevel?: string };
  clientStreaming?: boolean;
  serverStreaming?: boolean;
}
export interface FileDescriptor {
  name: string;
  package?: string;
  dependency?: string[];
  publicDependency?: number[];
  weakDependency?: number[];
  messageType?: Message[];
  enumType?: Enum[];
  service?: Array<{ name: string; method?: Method[] }>;
  extension?: Field[];
  syntax?: string;
  edition?: string;
}

const MAX_FIELD = 536870911;

/** Decodes the bytes of one FileDescriptorProto. */
export function decodeFileDescriptor(bytes: Uint8Array): FileDescriptor {
  const msg = descriptor.FileDescriptorProto.decode(bytes);
  return descriptor.FileDescriptorProto.toObject(msg, { enums: String, longs: Number, bytes: String }) as unknown as FileDescriptor;
}

export function descriptorToProto(file: FileDescriptor): string {
  const syntax = file.syntax === 'proto3' ? 'proto3' : file.syntax === 'editions' ? 'editions' : 'proto2';
  if (syntax === 'editions') throw new IdlError('protobuf editions are not supported yet (reflection served an editions file)', file.name);
  const out: string[] = [`syntax = "${syntax}";`, ''];
  if (file.package) out.push(`package ${file.package};`, '');
  (file.dependency ?? []).forEach((d, i) => {
    const kind = file.publicDependency?.includes(i) ? 'public ' : file.weakDependency?.includes(i) ? 'weak ' : '';
    out.push(`import ${kind}${JSON.stringify(d)};`);
  });
  if (file.dependency?.length) out.push('');
  const scope = file.package ? `.${file.package}` : '';
  for (const m of file.messageType ?? []) out.push(...message(m, `${scope}.${m.name}`, syntax, ''), '');
  for (const e of file.enumType ?? []) out.push(...enumType(e, ''), '');
  for (const ext of groupByExtendee(file.extension ?? [])) out.push(...extend(ext, syntax, ''), '');
  for (const s of file.service ?? []) {
    out.push(`service ${s.name} {`);
    for (const m of s.method ?? []) {
      const rpc = `  rpc ${m.name}(${m.clientStreaming ? 'stream ' : ''}${m.inputType}) returns (${m.serverStreaming ? 'stream ' : ''}${m.outputType})`;
      const level = m.options?.idempotencyLevel;
      out.push(level && level !== 'IDEMPOTENCY_UNKNOWN' ? `${rpc} {\n    option idempotency_level = ${level};\n  }` : `${rpc};`);
    }
    out.push('}', '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function message(m: Message, full: string, syntax: string, indent: string): string[] {
  const inner = `${indent}  `;
  const out = [`${indent}message ${m.name} {`];
  const entries = new Map((m.nestedType ?? []).filter((n) => n.options?.mapEntry).map((n) => [`${full}.${n.name}`, n]));
  for (const n of m.nestedType ?? []) if (!n.options?.mapEntry) out.push(...message(n, `${full}.${n.name}`, syntax, inner));
  for (const e of m.enumType ?? []) out.push(...enumType(e, inner));
  const oneofs = new Map<number, Field[]>();
  for (const f of m.field ?? []) {
    if (f.oneofIndex !== undefined && !f.proto3Optional) {
      oneofs.set(f.oneofIndex, [...(oneofs.get(f.oneofIndex) ?? []), f]);
      continue;
    }
    out.push(`${inner}${field(f, syntax, entries, false)}`);
  }
  for (const [i, fields] of oneofs) {
    out.push(`${inner}oneof ${m.oneofDecl?.[i]?.name ?? `oneof_${i}`} {`);
    for (const f of fields) out.push(`${inner}  ${field(f, syntax, entries, true)}`);
    out.push(`${inner}}`);
  }
  if (m.extensionRange?.length) out.push(`${inner}extensions ${m.extensionRange.map((r) => range(r.start, r.end - 1)).join(', ')};`);
  for (const ext of groupByExtendee(m.extension ?? [])) out.push(...extend(ext, syntax, inner));
  if (m.reservedRange?.length) out.push(`${inner}reserved ${m.reservedRange.map((r) => range(r.start, r.end - 1)).join(', ')};`);
  if (m.reservedName?.length) out.push(`${inner}reserved ${m.reservedName.map((n) => JSON.stringify(n)).join(', ')};`);
  out.push(`${indent}}`);
  return out;
}

function field(f: Field, syntax: string, entries: ReadonlyMap<string, Message>, inOneof: boolean): string {
  const entry = f.typeName ? entries.get(f.typeName) : undefined;
  const options: string[] = [];
  if (f.jsonName !== undefined && f.jsonName !== defaultJsonName(f.name)) options.push(`json_name = ${JSON.stringify(f.jsonName)}`);
  if (f.defaultValue !== undefined) options.push(`default = ${defaultLiteral(f)}`);
  if (f.options?.packed !== undefined) options.push(`packed = ${f.options.packed}`);
  const opts = options.length ? ` [${options.join(', ')}]` : '';
  if (entry) {
    const [k, v] = [entry.field?.find((x) => x.number === 1), entry.field?.find((x) => x.number === 2)];
    if (!k || !v) throw new IdlError(`map entry ${f.typeName} has no key or value`);
    return `map<${typeOf(k)}, ${typeOf(v)}> ${f.name} = ${f.number}${opts};`;
  }
  let label = '';
  if (!inOneof) {
    if (f.label === 'LABEL_REPEATED') label = 'repeated ';
    else if (f.label === 'LABEL_REQUIRED') label = 'required ';
    else if (syntax === 'proto2' || f.proto3Optional) label = 'optional ';
  }
  return `${label}${typeOf(f)} ${f.name} = ${f.number}${opts};`;
}

function typeOf(f: Field): string {
  if (f.type === 'TYPE_GROUP') throw new IdlError(`field ${f.name} is a proto2 group, which the mesh does not support`);
  if (f.type === 'TYPE_MESSAGE' || f.type === 'TYPE_ENUM' || !f.type) return f.typeName ?? '';
  return f.type.slice('TYPE_'.length).toLowerCase();
}

function defaultLiteral(f: Field): string {
  const v = f.defaultValue!;
  if (f.type === 'TYPE_STRING') return JSON.stringify(v);
  // protoc keeps a bytes default C-escaped already; quote it as it is.
  if (f.type === 'TYPE_BYTES') return `"${v.replace(/"/g, '\\"')}"`;
  return v;
}

function enumType(e: Enum, indent: string): string[] {
  const inner = `${indent}  `;
  const out = [`${indent}enum ${e.name} {`];
  if (e.options?.allowAlias) out.push(`${inner}option allow_alias = true;`);
  for (const v of e.value ?? []) out.push(`${inner}${v.name} = ${v.number};`);
  if (e.reservedRange?.length) out.push(`${inner}reserved ${e.reservedRange.map((r) => range(r.start, r.end)).join(', ')};`);
  if (e.reservedName?.length) out.push(`${inner}reserved ${e.reservedName.map((n) => JSON.stringify(n)).join(', ')};`);
  out.push(`${indent}}`);
  return out;
}

function groupByExtendee(fields: readonly Field[]): Array<{ extendee: string; fields: Field[] }> {
  const by = new Map<string, Field[]>();
  for (const f of fields) by.set(f.extendee ?? '', [...(by.get(f.extendee ?? '') ?? []), f]);
  return [...by].map(([extendee, fs]) => ({ extendee, fields: fs }));
}

function extend(ext: { extendee: string; fields: Field[] }, syntax: string, indent: string): string[] {
  return [`${indent}extend ${ext.extendee} {`, ...ext.fields.map((f) => `${indent}  ${field(f, syntax, new Map(), false)}`), `${indent}}`];
}

function range(start: number, end: number): string {
  if (start === end) return String(start);
  return `${start} to ${end >= MAX_FIELD ? 'max' : end}`;
}

/** protoc's JSON name of a field: underscores dropped, the letter after each upper-cased. */
function defaultJsonName(name: string): string {
  return name.replace(/_+([a-z0-9]?)/gi, (_, c: string) => c.toUpperCase());
}
