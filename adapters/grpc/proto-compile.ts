import * as protobuf from 'protobufjs';
import { protoCodec } from './codec/proto-codec';
import { statusDetailsToJson } from './codec/status-details';
import { IdlError, type CompiledBundle, type IdlFiles, type JsonConversion, type MethodModel, type ServiceModel } from '../../src/idl/model';
import type { JsonValue } from '../../src/json/json-value';
import { grpcContentType, type GrpcMethod } from './grpc-model';
import { exampleOf } from './proto-example';
import { protoRest } from './proto-rest';
import { bundleDescriptors, serviceFiles } from './proto-descriptors';
import { builtinProto } from './idl/proto-builtins';
import { loadProtoSources, type LoadedSources } from './idl/proto-loader';
import { blankComments, findFieldType, findPattern, findRpcType, escapeRegExp, type SourcePos } from './idl/proto-source-positions';

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
  // Reflection's descriptors, built for the whole bundle on first use.
  let descriptors: ReturnType<typeof bundleDescriptors> | undefined;
  const allDescriptors = () => (descriptors ??= bundleDescriptors(root));
  for (const svc of servicesOf(root)) {
    // Services of bundled protos are not the pusher's to serve.
    if (svc.filename && builtinProto(svc.filename) !== undefined && files[svc.filename] === undefined) continue;
    let reflection: ReturnType<typeof serviceFiles> | undefined;
    services.push({ ...serviceModel(svc, root), reflection: () => (reflection ??= serviceFiles(allDescriptors(), svc)) });
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

/** descriptor.proto's MethodOptions.IdempotencyLevel values that make a method safe to run twice. */
const IDEMPOTENT_LEVELS = new Set(['IDEMPOTENT', 'NO_SIDE_EFFECTS', '1', '2']);
/** The level that lets Connect callers use GET (a read, safe to cache). */
const NO_SIDE_EFFECTS = new Set(['NO_SIDE_EFFECTS', '1']);

function serviceModel(svc: protobuf.Service, root: protobuf.Root): ServiceModel {
  const name = svc.fullName.slice(1);
  const methods = new Map<string, MethodModel>();
  const statusDetails = (bin: string) => statusDetailsToJson(bin, root) as JsonValue[];
  for (const m of svc.methodsArray) {
    m.resolve();
    const request = protoCodec(m.resolvedRequestType!);
    const response = protoCodec(m.resolvedResponseType!);
    const method: GrpcMethod = {
      name: m.name,
      path: `/${name}/${m.name}`,
      request,
      response,
      clientStreaming: !!m.requestStream,
      serverStreaming: !!m.responseStream,
      oneway: false,
      idempotent: IDEMPOTENT_LEVELS.has(String(m.options?.idempotency_level)),
      noSideEffects: NO_SIDE_EFFECTS.has(String(m.options?.idempotency_level)),
      json: jsonConversion(request.encode, response.toJson, statusDetails),
      rest: protoRest(m, name),
      provider: {
        decodeRequest: (bytes, _encoding, opts) => request.toJson(bytes, opts),
        encodeReply: (value) => response.encode(value),
        encodeException: () => undefined,
      },
    };
    methods.set(m.name, method);
  }
  const describe = () => ({
    methods: [...methods.values()].map((m) => {
      const g = m as GrpcMethod;
      return {
        name: g.name,
        path: g.path,
        requestType: g.request.typeName,
        responseType: g.response.typeName,
        streaming: g.clientStreaming || g.serverStreaming,
        clientStreaming: g.clientStreaming,
        serverStreaming: g.serverStreaming,
        idempotent: g.idempotent,
        request: exampleOf(root.lookupType(g.request.typeName)),
        response: exampleOf(root.lookupType(g.response.typeName)),
      };
    }),
  });
  return { name, protocol: 'grpc', rpcSystem: 'grpc', methods, describe };
}

/** A gRPC method's JSON in and out: one encoding for every provider, the reply decoded as is. */
function jsonConversion(encode: GrpcMethod['request']['encode'], toJson: GrpcMethod['response']['toJson'], statusDetails: JsonConversion['statusDetails']): JsonConversion {
  return {
    contentType: grpcContentType,
    headers: noHeaders,
    encodeRequest(value) {
      const bytes = encode(value);
      return () => bytes;
    },
    decodeReply: (answer, opts) => toJson(answer.payload, opts),
    statusDetails,
  };
}

const noHeaders: Readonly<Record<string, string>> = Object.freeze({});

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
