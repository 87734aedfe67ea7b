import * as protobuf from 'protobufjs';
import * as descriptorExt from 'protobufjs/ext/descriptor';
import type { ReflectionFiles } from '../../src/idl/model';

/**
 * FileDescriptorProtos of a compiled bundle, for gRPC server reflection (grpcurl, Postman): one per
 * source file, with its package, messages (nested types, oneofs, map entries as protoc names
 * them), enums and services, every type name fully qualified, and the files it depends on. Options
 * and extensions are left out: reflection clients need the shapes, not the annotations.
 */

/** protobufjs' own descriptor.proto types (its d.ts declares none of them). */
const FileDescriptorProto = (descriptorExt as unknown as { FileDescriptorProto: protobuf.Type }).FileDescriptorProto;

const scalarTypes: Record<string, number> = {
  double: 1, float: 2, int64: 3, uint64: 4, int32: 5, fixed64: 6, fixed32: 7, bool: 8, string: 9, bytes: 12, uint32: 13, sfixed32: 15, sfixed64: 16, sint32: 17, sint64: 18,
};
const TYPE_MESSAGE = 11;
const TYPE_ENUM = 14;
const LABEL_OPTIONAL = 1;
const LABEL_REQUIRED = 2;
const LABEL_REPEATED = 3;

/** The well-known types protobufjs adds from JSON carry no file name: theirs, by full name. */
const commonFiles = new Map<string, string>();
for (const n of ['any', 'duration', 'timestamp', 'empty', 'struct', 'wrappers', 'field_mask']) {
  const path = `google/protobuf/${n}.proto`;
  const json = protobuf.common.get(path) as { nested?: Record<string, unknown> } | null;
  const walk = (prefix: string, nested: Record<string, unknown> | undefined) => {
    for (const [name, v] of Object.entries(nested ?? {})) {
      const full = prefix ? `${prefix}.${name}` : name;
      const inner = (v as { nested?: Record<string, unknown> }).nested;
      if ((v as { fields?: unknown; values?: unknown }).fields !== undefined || (v as { values?: unknown }).values !== undefined) commonFiles.set(full, path);
      walk(full, inner);
    }
  };
  walk('', json?.nested);
}

function fileOf(obj: protobuf.ReflectionObject): string {
  return obj.filename ?? commonFiles.get(obj.fullName.slice(1)) ?? 'unknown.proto';
}

interface FileBuild {
  name: string;
  pkg: string;
  syntax: string;
  messageType: unknown[];
  enumType: unknown[];
  service: unknown[];
  deps: Set<string>;
  symbols: string[];
}

/** Every file of the bundle as reflection serves it, keyed by file name; built once per compiled bundle. */
export function bundleDescriptors(root: protobuf.Root): Map<string, { bytes: Uint8Array; deps: readonly string[]; symbols: readonly string[] }> {
  const files = new Map<string, FileBuild>();
  const fileFor = (obj: protobuf.ReflectionObject, pkg: string): FileBuild => {
    const name = fileOf(obj);
    let f = files.get(name);
    if (!f) {
      const edition = (obj as unknown as { _edition?: string })._edition;
      files.set(name, (f = { name, pkg, syntax: edition === 'proto2' ? 'proto2' : 'proto3', messageType: [], enumType: [], service: [], deps: new Set(), symbols: [] }));
    }
    return f;
  };
  const visit = (ns: protobuf.NamespaceBase, pkg: string) => {
    for (const obj of ns.nestedArray) {
      if (obj instanceof protobuf.Type) {
        const f = fileFor(obj, pkg);
        f.messageType.push(messageDescriptor(obj, f));
      } else if (obj instanceof protobuf.Enum) {
        const f = fileFor(obj, pkg);
        f.enumType.push(enumDescriptor(obj, f));
      } else if (obj instanceof protobuf.Service) {
        const f = fileFor(obj, pkg);
        f.service.push(serviceDescriptor(obj, f));
      } else if (obj instanceof protobuf.Namespace) {
        visit(obj, obj.fullName.slice(1));
      }
    }
  };
  visit(root, '');
  const out = new Map<string, { bytes: Uint8Array; deps: readonly string[]; symbols: readonly string[] }>();
  for (const f of files.values()) {
    f.deps.delete(f.name);
    const deps = [...f.deps].sort();
    const message = { name: f.name, package: f.pkg || undefined, dependency: deps, messageType: f.messageType, enumType: f.enumType, service: f.service, syntax: f.syntax };
    out.set(f.name, { bytes: FileDescriptorProto.encode(FileDescriptorProto.fromObject(message)).finish(), deps, symbols: f.symbols });
  }
  return out;
}

/** The file a service is in and every file it needs, transitively, for one reflection answer. */
export function serviceFiles(all: ReturnType<typeof bundleDescriptors>, service: protobuf.Service): ReflectionFiles {
  const own = fileOf(service);
  const needed = new Map<string, { bytes: Uint8Array; symbols: readonly string[] }>();
  const add = (name: string) => {
    const f = all.get(name);
    if (!f || needed.has(name)) return;
    needed.set(name, f);
    for (const d of f.deps) add(d);
  };
  add(own);
  return { file: own, files: needed };
}

function messageDescriptor(type: protobuf.Type, f: FileBuild): unknown {
  f.symbols.push(type.fullName.slice(1));
  const nestedType: unknown[] = [];
  const enumType: unknown[] = [];
  for (const obj of type.nestedArray) {
    if (obj instanceof protobuf.Type) nestedType.push(messageDescriptor(obj, f));
    else if (obj instanceof protobuf.Enum) enumType.push(enumDescriptor(obj, f));
  }
  // Real oneofs first, then proto3 `optional`'s synthetic ones, as protoc orders them.
  const oneofs = type.oneofsArray.filter((o) => !isSynthetic(o)).concat(type.oneofsArray.filter(isSynthetic));
  const field = type.fieldsArray.map((fd) => {
    fd.resolve();
    const out: Record<string, unknown> = { name: fd.name, number: fd.id, jsonName: jsonName(fd.name) };
    if (fd.map) {
      // A map is a repeated message of a nested <Field>Entry type, as protoc writes it.
      const entryName = `${camel(fd.name)}Entry`;
      const mapField = fd as unknown as protobuf.MapField;
      nestedType.push({ name: entryName, field: [entryField('key', 1, mapField.keyType, null, f), entryField('value', 2, mapField.type, mapField.resolvedType, f)], options: { mapEntry: true } });
      Object.assign(out, { label: LABEL_REPEATED, type: TYPE_MESSAGE, typeName: `${type.fullName}.${entryName}` });
    } else {
      Object.assign(out, typeOf(fd.type, fd.resolvedType, f));
      out.label = fd.repeated ? LABEL_REPEATED : fd.required ? LABEL_REQUIRED : LABEL_OPTIONAL;
    }
    if (fd.partOf) {
      out.oneofIndex = oneofs.indexOf(fd.partOf);
      if (isSynthetic(fd.partOf)) out.proto3Optional = true;
    }
    return out;
  });
  return { name: type.name, field, nestedType, enumType, oneofDecl: oneofs.map((o) => ({ name: o.name })) };
}

function entryField(name: string, number: number, typeName: string, resolved: protobuf.Type | protobuf.Enum | null, f: FileBuild): unknown {
  return { name, number, jsonName: name, label: LABEL_OPTIONAL, ...typeOf(typeName, resolved, f) };
}

function typeOf(typeName: string, resolved: protobuf.Type | protobuf.Enum | null, f: FileBuild): Record<string, unknown> {
  const scalar = scalarTypes[typeName];
  if (scalar !== undefined) return { type: scalar };
  if (!resolved) return { type: TYPE_MESSAGE, typeName };
  f.deps.add(fileOf(resolved));
  return { type: resolved instanceof protobuf.Enum ? TYPE_ENUM : TYPE_MESSAGE, typeName: resolved.fullName };
}

function enumDescriptor(e: protobuf.Enum, f: FileBuild): unknown {
  f.symbols.push(e.fullName.slice(1));
  return { name: e.name, value: Object.entries(e.values).map(([name, number]) => ({ name, number })) };
}

function serviceDescriptor(svc: protobuf.Service, f: FileBuild): unknown {
  f.symbols.push(svc.fullName.slice(1));
  const method = svc.methodsArray.map((m) => {
    m.resolve();
    f.symbols.push(`${svc.fullName.slice(1)}.${m.name}`);
    f.deps.add(fileOf(m.resolvedRequestType!));
    f.deps.add(fileOf(m.resolvedResponseType!));
    return { name: m.name, inputType: m.resolvedRequestType!.fullName, outputType: m.resolvedResponseType!.fullName, clientStreaming: !!m.requestStream, serverStreaming: !!m.responseStream };
  });
  return { name: svc.name, method };
}

function isSynthetic(o: protobuf.OneOf): boolean {
  return o.fieldsArray.length === 1 && !!o.fieldsArray[0].options?.proto3_optional;
}

/** protoc's CamelCase of a field name: underscores dropped, the letter after each and the first upper-cased. */
function camel(name: string): string {
  const j = jsonName(name);
  return j.charAt(0).toUpperCase() + j.slice(1);
}

/** protoc's json_name: underscores dropped, the letter after each upper-cased. */
function jsonName(name: string): string {
  return name.replace(/_+([a-zA-Z0-9]?)/g, (_m, c: string) => c.toUpperCase());
}
