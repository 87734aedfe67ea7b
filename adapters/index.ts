import type { ProtocolAdapter } from '../src/protocol/protocol-adapter';
import { grpcAdapter } from './grpc/grpc-adapter';
import { thriftAdapter } from './thrift/thrift-adapter';
import { httpAdapter } from './http/http-adapter';

/**
 * Every protocol this build of the mesh speaks, one folder each. The composition root
 * (src/node/protocols.ts) registers them; adding a protocol is a folder and a line here.
 */
export const builtinProtocols: readonly ProtocolAdapter[] = [grpcAdapter, thriftAdapter, httpAdapter];
