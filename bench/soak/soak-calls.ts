import http from 'node:http';
import * as grpc from '@grpc/grpc-js';

/** How one call of the mix ended: nothing when it succeeded, else a key to count it under and an example. */
export type CallEnd = (failure?: { key: string; example: string }) => void;

/**
 * One kind of call in the soak's mix. `run` starts a call and reports its end exactly once.
 * Streaming calls join the mix the same way: a `SoakCall` whose `run` opens a stream, reads a
 * bounded number of messages and ends (see `streamingCalls` in steady-load.ts).
 */
export interface SoakCall {
  readonly name: string;
  run(end: CallEnd): void;
}

/** A set of calls sharing a connection pool, closed when the load stops. */
export interface CallSet {
  readonly calls: readonly SoakCall[];
  close(): void;
}

/** JSON over HTTP/1.1 to the consumer sidecar: the gRPC example (users) and the Thrift example (orders). */
export function jsonCalls(url: string): CallSet {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const json = (path: string, body: string): SoakCall => ({
    name: `json ${path.slice(path.lastIndexOf('/') + 1)}`,
    run(end) {
      const req = http.request(`${url}${path}`, { method: 'POST', agent, headers: { 'content-type': 'application/json' }, timeout: 10_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => end(res.statusCode === 200 ? undefined : { key: `${path} HTTP ${res.statusCode}`, example: Buffer.concat(chunks).toString().slice(0, 200) }));
        res.on('error', (err) => end({ key: `${path} ${err.message}`, example: '' }));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err) => end({ key: `${path} ${(err as NodeJS.ErrnoException).code ?? err.message}`, example: '' }));
      req.end(body);
    },
  });
  return {
    calls: [
      json('/acme.users.v1.UserService/GetUser', '{"id": 1}'),
      json('/acme.users.v1.UserService/ListUsers', '{"pageSize": 2}'),
      json('/orders.OrderService/getOrder', '{"id": 1001}'),
    ],
    close: () => agent.destroy(),
  };
}

const identity = (b: Buffer): Buffer => b;

/**
 * Native gRPC to the consumer sidecar's `--listen` (one grpc-js channel, HTTP/2 multiplexed), as a
 * gRPC app calls through the mesh: the sidecar passes the protobuf bytes through to the users
 * provider. The request bytes are written out (GetUserRequest{id: 1}, ListUsersRequest{page_size:
 * 2}: field 1, varint), so the soak keeps no codec per call.
 */
export function nativeGrpcCalls(address: string): CallSet {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const unary = (method: string, request: Buffer): SoakCall => ({
    name: `grpc ${method}`,
    run(end) {
      const path = `/acme.users.v1.UserService/${method}`;
      client.makeUnaryRequest(path, identity, identity, request, new grpc.Metadata(), { deadline: Date.now() + 10_000 }, (err, reply) => {
        if (err) end({ key: `${path} grpc ${grpc.status[err.code] ?? err.code}`, example: err.details.slice(0, 200) });
        else if (!reply || reply.length === 0) end({ key: `${path} grpc empty reply`, example: '' });
        else end();
      });
    },
  });
  return {
    calls: [unary('GetUser', Buffer.from([0x08, 0x01])), unary('ListUsers', Buffer.from([0x08, 0x02]))],
    close: () => client.close(),
  };
}
