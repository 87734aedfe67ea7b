import type { IdlSources } from '../../src/idl/model';
import type { ProtocolAdapter } from '../../src/protocol/protocol-adapter';
import { compileProto, protoImportsOf } from './proto-compile';
import { isShippedProto } from './idl/proto-builtins';
import { compareProto } from './compat/proto-compat';
import type * as Reflect from './reflect-idl';
import { GrpcProvider } from './grpc-provider';

/** `.proto` IDL, JSON in the canonical proto3 mapping, and gRPC services behind `grpc://host:port`. */
export const grpcAdapter: ProtocolAdapter = {
  name: 'grpc',
  idl: {
    extensions: ['.proto'],
    compile: (files, entries) => compileProto(files, [...entries]).bundle,
    // Proto imports are keyed by their import path; the well-known and google.rpc/api protos ship with the mesh.
    importsOf: (_key: string, content: string) => protoImportsOf(content).filter((ref) => !isShippedProto(ref)).map((ref) => ({ ref, key: ref })),
    compare(before, after, scope) {
      if (!before.entries.length || !after.entries.length) return [];
      const version = (v: IdlSources) => ({ root: compileProto(v.files, [...v.entries]).root, files: v.files });
      return compareProto(version(before), version(after), scope);
    },
    // The reflection client (HTTP/2, descriptor.proto) is loaded only for `idl push --reflect`.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    fromServer: (target, services) => (require('./reflect-idl') as typeof Reflect).reflectIdl(target, services),
  },
  providers: {
    schemes: ['grpc'],
    check: (url: string) => (/^grpc:\/\/[^/\s]+:\d+(\?[^\s]*)?$/.test(url) ? undefined : `"${url}" is not grpc://host:port`),
    create: (service, url, options) => new GrpcProvider(service, url, options),
  },
};
