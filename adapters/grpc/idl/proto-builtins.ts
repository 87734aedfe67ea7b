import { readFileSync } from 'node:fs';
import * as protobuf from 'protobufjs';
import { GOOGLE_RPC_PROTOS } from './builtin/google-rpc-protos';

/**
 * The .proto files every bundle may import without pushing them: the well-known types that
 * protobufjs bundles, the descriptor/api/type protos and google/api annotations that ship in
 * its package (real-world protos import them for options), and google/rpc status and details.
 */
export type BuiltinProto = { readonly json: protobuf.INamespace } | { readonly text: string };

/** protobufjs' pre-parsed well-known types (Any, Duration, Timestamp, Empty, Struct, wrappers, FieldMask). */
const COMMON = ['any', 'duration', 'timestamp', 'empty', 'struct', 'wrappers', 'field_mask'].map((n) => `google/protobuf/${n}.proto`);

const PACKAGE_PROTOS = [
  'google/protobuf/descriptor.proto',
  'google/protobuf/source_context.proto',
  'google/protobuf/type.proto',
  'google/protobuf/api.proto',
  'google/api/http.proto',
  'google/api/annotations.proto',
];

/** The protos that ship with the mesh and are never uploaded: google/protobuf, google/rpc, google/api. */
export function isShippedProto(path: string): boolean {
  return /^google\/(protobuf|rpc|api)\//.test(path);
}

export const BUILTIN_PROTO_PATHS: readonly string[] = [...COMMON, ...PACKAGE_PROTOS, ...Object.keys(GOOGLE_RPC_PROTOS)];

const packageTexts = new Map<string, string>();

export function builtinProto(path: string): BuiltinProto | undefined {
  if (COMMON.includes(path)) {
    const json = protobuf.common.get(path) as { nested: protobuf.INamespace['nested'] } | null;
    return json ? { json: json as protobuf.INamespace } : undefined;
  }
  const rpc = GOOGLE_RPC_PROTOS[path];
  if (rpc !== undefined) return { text: rpc };
  if (PACKAGE_PROTOS.includes(path)) {
    let text = packageTexts.get(path);
    if (text === undefined) {
      text = readFileSync(require.resolve(`protobufjs/${path}`), 'utf8');
      packageTexts.set(path, text);
    }
    return { text };
  }
  return undefined;
}

/** Whether a pushed file of this path is shadowed by the bundled one (as protoc's include path would). */
export function isPinnedBuiltin(path: string): boolean {
  return path.startsWith('google/protobuf/') && builtinProto(path) !== undefined;
}
