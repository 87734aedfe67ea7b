import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { repoRoot } from './processes';

export const streamsProto = join(repoRoot, 'tests', 'fixtures', 'streaming', 'streams.proto');
export const streamsService = 'mesh.test.stream.v1.Streams';

export function loadStreamsRoot(): protobuf.Root {
  return protobuf.loadSync(streamsProto);
}

export interface StreamServer {
  port: number;
  /** Chunks Count has written so far (all calls). */
  written(): number;
  /** Resolves when a call of the server was cancelled by its caller (the mesh passing a cancel on). */
  cancelled(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A real grpc-js server of mesh.test.stream.v1.Streams that honours back-pressure: Count waits
 * for 'drain' when a write returns false, so how far it got shows how much the mesh buffers.
 */
export async function startStreamServer(): Promise<StreamServer> {
  const root = loadStreamsRoot();
  const CountRequest = root.lookupType('mesh.test.stream.v1.CountRequest');
  const Chunk = root.lookupType('mesh.test.stream.v1.Chunk');
  const Total = root.lookupType('mesh.test.stream.v1.Total');
  const codec = (t: protobuf.Type) => ({
    serialize: (v: object) => Buffer.from(t.encode(t.fromObject(v)).finish()),
    deserialize: (b: Buffer) => t.toObject(t.decode(b), { longs: String, bytes: Buffer }) as Record<string, unknown>,
  });
  const def = (name: string, req: protobuf.Type, res: protobuf.Type, requestStream: boolean, responseStream: boolean): grpc.MethodDefinition<object, object> => ({
    path: `/${streamsService}/${name}`,
    requestStream,
    responseStream,
    requestSerialize: codec(req).serialize,
    requestDeserialize: codec(req).deserialize,
    responseSerialize: codec(res).serialize,
    responseDeserialize: codec(res).deserialize,
  });
  let written = 0;
  const cancels: string[] = [];
  let onCancel: (() => void) | undefined;
  const noteCancel = (name: string) => {
    cancels.push(name);
    onCancel?.();
  };
  const server = new grpc.Server();
  server.addService(
    { Count: def('Count', CountRequest, Chunk, false, true), Sum: def('Sum', Chunk, Total, true, false), Chat: def('Chat', Chunk, Chunk, true, true) },
    {
      Count: async (call: grpc.ServerWritableStream<{ count?: number; size?: number; delayMs?: number; failAfter?: number }, object>) => {
        let gone = false;
        call.on('cancelled', () => ((gone = true), noteCancel('Count')));
        const { count = 0, size = 0, delayMs = 0, failAfter = 0 } = call.request;
        const data = Buffer.alloc(size, 120);
        call.sendMetadata(new grpc.Metadata({}));
        for (let seq = 1; seq <= count && !gone; seq++) {
          if (failAfter > 0 && seq > failAfter) return call.emit('error', { code: grpc.status.ABORTED, details: `stopped after ${failAfter}` });
          if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
          if (gone) return;
          written++;
          if (!call.write({ seq, text: `m${seq}`, data })) await new Promise((r) => call.once('drain', r));
        }
        if (!gone) call.end();
      },
      Sum: (call: grpc.ServerReadableStream<{ text?: string; data?: Buffer }, object>, cb: grpc.sendUnaryData<object>) => {
        let count = 0;
        let bytes = 0;
        const texts: string[] = [];
        call.on('data', (c: { text?: string; data?: Buffer }) => {
          count++;
          bytes += c.data?.length ?? 0;
          texts.push(c.text ?? '');
        });
        let answered = false;
        // grpc-js emits 'cancelled' after a client-streaming call's answer too: only one before it counts.
        call.on('cancelled', () => answered || noteCancel('Sum'));
        call.on('end', () => {
          answered = true;
          cb(null, { count, bytes: String(bytes), texts: texts.join(',') });
        });
      },
      Chat: (call: grpc.ServerDuplexStream<{ seq?: number; text?: string }, object>) => {
        call.on('data', (c: { seq?: number; text?: string }) => call.write({ seq: c.seq, text: (c.text ?? '').toUpperCase() }));
        call.on('cancelled', () => noteCancel('Chat'));
        call.on('end', () => call.end());
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return {
    port,
    written: () => written,
    cancelled: () =>
      new Promise((resolve) => {
        // Only cancels from now on count.
        cancels.length = 0;
        const check = () => {
          if (cancels.length === 0) return false;
          onCancel = undefined;
          resolve(cancels.shift()!);
          return true;
        };
        if (!check()) onCancel = check;
      }),
    stop: () => new Promise((r) => server.tryShutdown(() => r())),
  };
}
