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
  /** Opens the whole pool before the load starts, so the consumer's fds do not follow the load's peaks. */
  prime?(): Promise<void>;
  close(): void;
}

const POOL = 32;

/** JSON over HTTP/1.1 to the consumer sidecar: the gRPC example (users) and the Thrift example (orders). */
export function jsonCalls(url: string): CallSet {
  // A pool of a fixed size: opened whole by prime(), and used in turn (fifo) so no socket sits idle
  // long enough for the sidecar's 65 s keep-alive timeout. With the default lifo a pool grows to
  // the peak concurrency (calls slow while a provider restarts), its spare sockets close a minute
  // later, and the consumer's fd count follows the load generator's pool, not the mesh (a 30-minute
  // soak read 47 -> 56 fds: its pool going from 16 to 25 sockets, bounded by maxSockets).
  const agent = new http.Agent({ keepAlive: true, maxSockets: POOL, maxFreeSockets: POOL, scheduling: 'fifo' });
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
  const calls = [
      json('/acme.users.v1.UserService/GetUser', '{"id": 1}'),
      json('/acme.users.v1.UserService/ListUsers', '{"pageSize": 2}'),
      json('/orders.OrderService/getOrder', '{"id": 1001}'),
  ];
  return {
    calls,
    prime: () => Promise.all(Array.from({ length: POOL }, () => new Promise<void>((resolve) => calls[0].run(() => resolve())))).then(() => undefined),
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
