import type { ProtocolAdapter } from '../../src/protocol/protocol-adapter';
import { compileProto, protoImportsOf } from './proto-compile';
import { GrpcProvider } from './grpc-provider';

/** The protos that ship with the mesh (src: adapters/grpc/idl/proto-builtins.ts) are never uploaded. */
const shipped = /^google\/(protobuf|rpc|api)\//;

/** `.proto` IDL, JSON in the canonical proto3 mapping, and gRPC services behind `grpc://host:port`. */
export const grpcAdapter: ProtocolAdapter = {
  name: 'grpc',
  idl: {
    extensions: ['.proto'],
    compile: (files, entries) => compileProto(files, [...entries]).bundle,
    // Proto imports are keyed by their import path; the well-known and google.rpc/api protos ship with the mesh.
    importsOf: (_key: string, content: string) => protoImportsOf(content).filter((ref) => !shipped.test(ref)).map((ref) => ({ ref, key: ref })),
  },
  providers: {
    schemes: ['grpc'],
    check: (url: string) => (/^grpc:\/\/[^/\s]+:\d+(\?[^\s]*)?$/.test(url) ? undefined : `"${url}" is not grpc://host:port`),
    create: (service, url, options) => new GrpcProvider(service, url, options),
  },
};
