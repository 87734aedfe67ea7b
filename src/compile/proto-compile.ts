import * as protobuf from 'protobufjs';
import { protoCodec } from '../codec/proto/proto-codec';
import { IdlError, type CompiledBundle, type GrpcMethod, type IdlFiles, type MethodModel, type ServiceModel } from '../idl/model';
import { builtinProto } from '../idl/proto-builtins';
import { loadProtoSources, type LoadedSources } from '../idl/proto-loader';
import { blankComments, findFieldType, findPattern, findRpcType, escapeRegExp, type SourcePos } from '../idl/proto-source-positions';

/**
 * Compiles pushed .proto files (import path to content) into a protobufjs Root and the service
 * models of the data plane, with a compiled JSON codec for every request and response type.
 * Any refusal is an IdlError naming file:line:col where it can be found.
 */
export function compileProto(files: IdlFiles, entries?: string[]): { root: protobuf.Root; bundle: CompiledBundle } {
  const root = new protobuf.Root();
  const sources = loadProtoSources(root, entries ?? Object.keys(files), files);
  checkReferences(root, sources);
  try {
    root.resolveAll();
  } catch (err) {
    throw resolveError(err, sources);
  }
  const services: ServiceModel[] = [];
  for (const svc of servicesOf(root)) {
    // Services of bundled protos are not the pusher's to serve.
    if (svc.filename && builtinProto(svc.filename) !== undefined && files[svc.filename] === undefined) continue;
    services.push(serviceModel(svc));
  }
  return { root, bundle: { services } };
}

/** The import paths a .proto file names (comments ignored), in order. */
export function protoImportsOf(content: string): string[] {
  const blanked = blankComments(content);
  const out: string[] = [];
  const re = /\bimport\s+(?:weak\s+|public\s+)?(?:"([^"]*)"|'([^']*)')\s*;/g;
  for (let m = re.exec(blanked); m; m = re.exec(blanked)) out.push((m[1] ?? m[2])!);
  return out;
}

function serviceModel(svc: protobuf.Service): ServiceModel {
  const name = svc.fullName.slice(1);
  const methods = new Map<string, MethodModel>();
  for (const m of svc.methodsArray) {
    m.resolve();
    const method: GrpcMethod = {
      kind: 'grpc',
      name: m.name,
      path: `/${name}/${m.name}`,
      request: protoCodec(m.resolvedRequestType!),
      response: protoCodec(m.resolvedResponseType!),
      clientStreaming: !!m.requestStream,
      serverStreaming: !!m.responseStream,
      idempotent: false,
    };
    methods.set(m.name, method);
  }
  return { name, protocol: 'grpc', methods };
}

function* walk(ns: protobuf.NamespaceBase): Generator<protobuf.ReflectionObject> {
  for (const obj of ns.nestedArray) {
    yield obj;
    if (obj instanceof protobuf.Namespace || obj instanceof protobuf.Type || obj instanceof protobuf.Service) yield* walk(obj as protobuf.NamespaceBase);
  }
}

function servicesOf(root: protobuf.Root): protobuf.Service[] {
  return [...walk(root)].filter((o): o is protobuf.Service => o instanceof protobuf.Service);
}

const SCALARS = new Set(Object.keys(protobuf.types.basic));

function located(message: string, file: string | null | undefined, sources: LoadedSources, find: (blanked: string) => SourcePos | undefined): IdlError {
  const text = file ? sources.get(file) : undefined;
  const pos = text !== undefined ? find(blankComments(text)) : undefined;
  return new IdlError(message, file ?? undefined, pos?.line, pos?.col);
}

/** Unknown type names, found before resolveAll so the error can name the field or rpc. */
function checkReferences(root: protobuf.Root, sources: LoadedSources): void {
  for (const obj of walk(root)) {
    if (obj instanceof protobuf.Type) {
      for (const field of obj.fieldsArray) {
        if (SCALARS.has(field.type) || field.extend !== undefined || field.declaringField) continue;
        if (obj.lookup(field.type, [protobuf.Type, protobuf.Enum]) !== null) continue;
        const file = field.filename ?? obj.filename;
        throw located(`unknown type "${field.type}" (field ${obj.fullName.slice(1)}.${field.name})`, file, sources, (b) => findFieldType(b, field.type, field.name));
      }
      // Duplicate field numbers surface lazily in protobufjs; make them a push-time error.
      try {
        void obj.fieldsById;
      } catch (err) {
        const id = /duplicate id (\d+)/.exec(String(err))?.[1];
        throw located(`${(err as Error).message}`, obj.filename, sources, (b) => (id ? findPattern(b, new RegExp(`=\\s*(${escapeRegExp(id)})\\b`)) : undefined));
      }
    } else if (obj instanceof protobuf.Service) {
      for (const m of obj.methodsArray) {
        for (const t of [m.requestType, m.responseType]) {
          if (obj.lookup(t, [protobuf.Type]) !== null) continue;
          throw located(`unknown type "${t}" (rpc ${obj.fullName.slice(1)}.${m.name})`, obj.filename, sources, (b) => findRpcType(b, m.name, t));
        }
      }
    }
  }
}

function resolveError(err: unknown, sources: LoadedSources): IdlError {
  const message = err instanceof Error ? err.message : String(err);
  const ext = /'extend ([\w.]+)' in ([\w.]+)/.exec(message);
  if (ext) {
    for (const [file, text] of sources) {
      const pos = findPattern(blankComments(text), new RegExp(`\\bextend\\s+(${escapeRegExp(ext[1]!)})\\b`));
      if (pos) return new IdlError(`unknown type "${ext[1]}" (extend)`, file, pos.line, pos.col);
    }
  }
  return new IdlError(message);
}
