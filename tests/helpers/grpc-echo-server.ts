import * as grpc from '@grpc/grpc-js';
import { repoRoot } from '../../src/config/repo-root';
import protobuf from 'protobufjs';
import { readFileSync } from 'node:fs';
import { EventEmitter, once } from 'node:events';
import { join } from 'node:path';

const fixtures = join(repoRoot, 'tests', 'fixtures', 'mesh');

/** Loads the echo fixture as protobufjs reflection (no generated code, no proto-loader). */
export function loadEchoRoot(): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    if (target.startsWith('google/protobuf/')) return target;
    return join(fixtures, target.replace(/^.*?(mesh\/test\/v1\/|echo\.proto)/, (m, g) => (g === 'echo.proto' ? 'echo.proto' : g)));
  };
  root.loadSync(join(fixtures, 'echo.proto'));
  root.resolveAll();
  return root;
}

export function echoFiles(): Record<string, string> {
  return {
    'echo.proto': readFileSync(join(fixtures, 'echo.proto'), 'utf8'),
    'mesh/test/v1/types.proto': readFileSync(join(fixtures, 'mesh/test/v1/types.proto'), 'utf8'),
  };
}

function serviceDefinition(root: protobuf.Root, name: string): grpc.ServiceDefinition {
  const svc = root.lookupService(name);
  const def: Record<string, grpc.MethodDefinition<any, any>> = {};
  for (const m of svc.methodsArray) {
    const req = root.lookupType(m.requestType);
    const res = root.lookupType(m.responseType);
    def[m.name] = {
      path: `/${name}/${m.name}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: (o: object) => Buffer.from(req.encode(o).finish()),
      requestDeserialize: (b: Buffer) => req.decode(b),
      responseSerialize: (o: object) => Buffer.from(res.encode(o).finish()),
      responseDeserialize: (b: Buffer) => res.decode(b),
    };
  }
  return def;
}

export { once };

/** A real grpc-js server for mesh.test.v1.Echo, on a free loopback port. */
export async function startEchoServer(serverName: string): Promise<{ port: number; server: grpc.Server; events: EventEmitter; stop: () => Promise<void> }> {
  const root = loadEchoRoot();
  // Wire-compatible stand-ins for google.rpc.Status and ErrorInfo, as a Java service would send them.
  const rpc = protobuf.parse(
    'syntax = "proto3"; package rpc; message Any { string type_url = 1; bytes value = 2; }' +
      'message Status { int32 code = 1; string message = 2; repeated Any details = 3; }' +
      'message ErrorInfo { string reason = 1; string domain = 2; map<string, string> metadata = 3; }',
  ).root;
  const Status = rpc.lookupType('rpc.Status');
  const ErrorInfo = rpc.lookupType('rpc.ErrorInfo');
  const server = new grpc.Server();
  const events = new EventEmitter();
  server.addService(serviceDefinition(root, 'mesh.test.v1.Echo'), {
    Echo: (call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) => {
      const md: Record<string, string> = {};
      for (const [k, v] of Object.entries(call.metadata.getMap())) md[k] = String(v);
      const out = new grpc.Metadata();
      out.set('x-served-by', serverName);
      // The deadline it was called with (ms left), so tests can see a caller's timeout arrive.
      const deadline = call.getDeadline();
      if (deadline !== Infinity) out.set('x-deadline-ms', String(new Date(deadline).getTime() - Date.now()));
      call.sendMetadata(out);
      cb(null, { ...call.request, server: serverName, metadata: md });
    },
    Fail: (call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) => {
      const trailer = new grpc.Metadata();
      trailer.set('x-fail-reason', 'asked');
      const details = Status.encode({ code: call.request.code, message: call.request.message, details: [{ typeUrl: 'type.googleapis.com/google.rpc.ErrorInfo', value: ErrorInfo.encode({ reason: 'TEST', domain: 'mesh.test', metadata: { k: 'v' } }).finish() }] }).finish();
      trailer.set('grpc-status-details-bin', Buffer.from(details));
      cb({ code: call.request.code, details: call.request.message, metadata: trailer });
    },
    Slow: (call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) => {
      events.emit('Slow', call.request);
      const t = setTimeout(() => cb(null, { server: serverName, text: 'slow' }), call.request.delayMs);
      call.on('cancelled', () => clearTimeout(t));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { port, server, events, stop: () => new Promise((r) => server.tryShutdown(() => r())) };
}
