import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { Mesh, startMesh } from '../helpers/mesh';
import { loadStreamsRoot, startStreamServer, StreamServer, streamsProto, streamsService } from '../helpers/grpc-stream-server';

jest.setTimeout(60000);

const root = loadStreamsRoot();
const CountRequest = root.lookupType('mesh.test.stream.v1.CountRequest');
const Chunk = root.lookupType('mesh.test.stream.v1.Chunk');
const Total = root.lookupType('mesh.test.stream.v1.Total');
const ser = (t: protobuf.Type) => (v: object) => Buffer.from(t.encode(t.fromObject(v)).finish());
const de = (t: protobuf.Type) => (b: Buffer) => t.toObject(t.decode(b), { longs: String }) as Record<string, unknown>;
const path = (m: string) => `/${streamsService}/${m}`;

/** Resident memory of a process, from /proc (the admin /metrics says the same, less often). */
function rssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(kb![1]) * 1024;
}

function statusOf(call: grpc.ClientReadableStream<unknown> | grpc.ClientDuplexStream<unknown, unknown>): Promise<grpc.StatusObject> {
  call.on('error', () => undefined);
  return new Promise((resolve) => call.on('status', resolve));
}

/**
 * Streaming through the mesh with real processes: nats-server, the control plane, a provider
 * sidecar in front of a grpc-js streaming service, a consumer sidecar; grpc-js callers on the
 * consumer's --listen, messages passed through as they are, over the mux peer hop.
 */
describe('streaming calls through the mesh', () => {
  let mesh: Mesh;
  let server: StreamServer;
  let client: grpc.Client;

  beforeAll(async () => {
    server = await startStreamServer();
    mesh = await startMesh({ service: streamsService, idl: [streamsProto], upstream: `grpc://127.0.0.1:${server.port}`, providerApp: 'streams' });
    client = new grpc.Client(new URL(mesh.consumer.url).host, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    client?.close();
    await mesh?.stop();
    await server?.stop();
  });

  test('server streaming: every message in order, then OK', async () => {
    const call = client.makeServerStreamRequest(path('Count'), ser(CountRequest), de(Chunk), { count: 200, size: 100 }, new grpc.Metadata(), {});
    const status = statusOf(call);
    const seqs: number[] = [];
    for await (const m of call) seqs.push((m as { seq: number }).seq);
    expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect((await status).code).toBe(grpc.status.OK);
  });

  test('client streaming: the provider gets every message and the caller its one answer', async () => {
    const answer = new Promise<{ err: grpc.ServiceError | null; value?: Record<string, unknown> }>((resolve) => {
      const call = client.makeClientStreamRequest(path('Sum'), ser(Chunk), de(Total), new grpc.Metadata(), {}, (err, value) => resolve({ err, value }));
      for (let i = 0; i < 50; i++) call.write({ seq: i, text: `t${i}`, data: Buffer.alloc(1000) });
      call.end();
    });
    const { err, value } = await answer;
    expect(err).toBeNull();
    expect(value).toMatchObject({ count: 50, bytes: '50000' });
    expect(String(value!.texts).split(',')).toHaveLength(50);
  });

  test('bidi streaming: each answer comes back before the caller sends the next message', async () => {
    const call = client.makeBidiStreamRequest(path('Chat'), ser(Chunk), de(Chunk), new grpc.Metadata(), {});
    const status = statusOf(call);
    const replies = call[Symbol.asyncIterator]();
    for (let i = 1; i <= 20; i++) {
      call.write({ seq: i, text: `hello ${i}` });
      // The next message is written only once this one's answer is back: no half-close needed.
      const r = await replies.next();
      expect(r.value).toMatchObject({ seq: i, text: `HELLO ${i}` });
    }
    call.end();
    expect((await replies.next()).done).toBe(true);
    expect((await status).code).toBe(grpc.status.OK);
  });

  test('an error after some messages reaches the caller as the status, after those messages', async () => {
    const call = client.makeServerStreamRequest(path('Count'), ser(CountRequest), de(Chunk), { count: 10, failAfter: 3 }, new grpc.Metadata(), {});
    const status = statusOf(call);
    const seqs: number[] = [];
    call.on('data', (m: { seq: number }) => seqs.push(m.seq));
    const s = await status;
    expect(seqs).toEqual([1, 2, 3]);
    expect(s.code).toBe(grpc.status.ABORTED);
    expect(s.details).toBe('stopped after 3');
  });

  test("the caller's cancel reaches the provider", async () => {
    const call = client.makeServerStreamRequest(path('Count'), ser(CountRequest), de(Chunk), { count: 100000, delayMs: 5 }, new grpc.Metadata(), {});
    const status = statusOf(call);
    await new Promise((r) => call.once('data', r));
    const cancelled = server.cancelled();
    call.cancel();
    expect(await cancelled).toBe('Count');
    expect((await status).code).toBe(grpc.status.CANCELLED);
  });

  test("the caller's deadline ends the stream DEADLINE_EXCEEDED and cancels the provider", async () => {
    const call = client.makeServerStreamRequest(path('Count'), ser(CountRequest), de(Chunk), { count: 100000, delayMs: 5 }, new grpc.Metadata(), { deadline: Date.now() + 700 });
    const cancelled = server.cancelled();
    const status = statusOf(call);
    call.on('data', () => undefined);
    expect((await status).code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(await cancelled).toBe('Count');
  });

  test('a caller that stops reading stops the provider: 20,000 × 10 KB, both sidecars stay flat', async () => {
    const count = 20000;
    const pids = [mesh.consumer.proc.pid, mesh.provider.proc.pid];
    const before = pids.map(rssBytes);
    const peak = [...before];
    const sample = () => pids.forEach((pid, i) => (peak[i] = Math.max(peak[i], rssBytes(pid))));
    const start = server.written();
    const call = client.makeServerStreamRequest(path('Count'), ser(CountRequest), de(Chunk), { count, size: 10 * 1024 }, new grpc.Metadata(), {});
    const status = statusOf(call);
    let received = 0;
    await new Promise((r) => call.once('data', () => r((received = 1))));
    call.pause();
    // The provider goes as far as the windows and queues on the way let it, then waits: its count settles.
    let last = -1;
    while (server.written() !== last) {
      last = server.written();
      sample();
      await new Promise((r) => setTimeout(r, 500));
    }
    const aheadWhilePaused = last - start - received;
    // Everything buffered would be the whole 200 MB: the provider ran to the end.
    expect(aheadWhilePaused).toBeLessThan(1000);
    call.on('data', () => {
      received++;
      if (received % 500 === 0) sample();
    });
    call.resume();
    expect((await status).code).toBe(grpc.status.OK);
    expect(received).toBe(count);
    sample();
    // 200 MB went through; a mesh that buffered it would have grown by about that much.
    for (let i = 0; i < pids.length; i++) expect(peak[i] - before[i]).toBeLessThan(60 * 1024 * 1024);
  });
});
