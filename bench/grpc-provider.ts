import * as grpc from '@grpc/grpc-js';
import type * as protobuf from 'protobufjs';
import { loadBenchRoot } from './bench-proto';

/**
 * The gRPC provider of the benchmark, in its own process: a grpc-js server for bench.v1.Bench
 * with protobufjs reflection serializers (no proto-loader). Put echoes the item, so the
 * provider decodes and re-encodes every message as a real service would; List streams it.
 * Prints {"port":N} on stdout once bound; exits on SIGTERM or when stdin closes.
 */
function main(): void {
  const at = process.argv.indexOf('--name');
  const name = at > 0 ? process.argv[at + 1] : undefined;
  const root = loadBenchRoot();
  const Item = root.lookupType('bench.v1.Item');
  const def: grpc.ServiceDefinition = {
    Put: {
      path: '/bench.v1.Bench/Put',
      requestStream: false,
      responseStream: false,
      requestSerialize: (o: protobuf.Message) => Buffer.from(Item.encode(o).finish()),
      requestDeserialize: (b: Buffer) => Item.decode(b),
      responseSerialize: (o: protobuf.Message) => Buffer.from(Item.encode(o).finish()),
      responseDeserialize: (b: Buffer) => Item.decode(b),
    },
    List: {
      path: '/bench.v1.Bench/List',
      requestStream: false,
      responseStream: true,
      requestSerialize: (o: protobuf.Message) => Buffer.from(Item.encode(o).finish()),
      requestDeserialize: (b: Buffer) => Item.decode(b),
      responseSerialize: (b: Buffer) => b,
      responseDeserialize: (b: Buffer) => b,
    },
  };
  const server = new grpc.Server();
  server.addService(def, {
    // With --name the reply says which provider served it (the chaos run follows traffic by it).
    Put: (call: grpc.ServerUnaryCall<protobuf.Message, protobuf.Message>, cb: grpc.sendUnaryData<protobuf.Message>) => {
      if (name) (call.request as unknown as { name: string }).name = name;
      cb(null, call.request);
    },
    // The item encoded once, written `count` times, waiting for 'drain' as a well-behaved service does.
    List: async (call: grpc.ServerWritableStream<protobuf.Message, Buffer>) => {
      const item = call.request as unknown as { count: number };
      const bytes = Buffer.from(Item.encode(call.request).finish());
      let gone = false;
      call.on('cancelled', () => (gone = true));
      for (let i = 0; i < item.count && !gone; i++) {
        if (!call.write(bytes)) await new Promise((r) => call.once('drain', r));
      }
      if (!gone) call.end();
    },
  });
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
    if (err) throw err;
    process.stdout.write(`${JSON.stringify({ port })}\n`);
  });
  const stop = () => process.exit(0);
  process.on('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}

main();
