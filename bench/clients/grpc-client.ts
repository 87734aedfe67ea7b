import * as grpc from '@grpc/grpc-js';
import type * as protobuf from 'protobufjs';
import type { CallFn } from '../load';

/**
 * The direct gRPC path: a grpc-js client (one channel, HTTP/2 multiplexed) calling the provider
 * with protobufjs reflection serializers, as a native gRPC app would: it encodes the request
 * object and decodes the reply on every call.
 */
export function grpcDirectClient(port: number, path: string, reqType: protobuf.Type, resType: protobuf.Type, message: protobuf.Message): { call: CallFn; close(): void } {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const serialize = (m: protobuf.Message) => Buffer.from(reqType.encode(m).finish());
  const deserialize = (b: Buffer) => resType.decode(b);
  const call: CallFn = (done) => {
    client.makeUnaryRequest(path, serialize, deserialize, message, (err) => done(err ?? undefined));
  };
  return { call, close: () => client.close() };
}
