import http from 'node:http';
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

describe('streaming calls over the HTTP/2 peer hop (TRANSMESH_PEER_PROTOCOL=h2)', () => {
  let mesh: Mesh;
  let server: StreamServer;
  let client: grpc.Client;

  beforeAll(async () => {
    server = await startStreamServer();
    mesh = await startMesh({ service: streamsService, idl: [streamsProto], upstream: `grpc://127.0.0.1:${server.port}`, providerApp: 'streams', consumerEnv: { TRANSMESH_PEER_PROTOCOL: 'h2' } });
    client = new grpc.Client(new URL(mesh.consumer.url).host, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    client?.close();
    await mesh?.stop();
    await server?.stop();
  });

  test('server, client and bidi streams, and a cancel reaching the provider', async () => {
    const count = client.makeServerStreamRequest(path('Count'), ser(CountRequest), de(Chunk), { count: 50 }, new grpc.Metadata(), {});
    const seqs: number[] = [];
    for await (const m of count) seqs.push((m as { seq: number }).seq);
    expect(seqs).toHaveLength(50);
    const sum = await new Promise<Record<string, unknown> | undefined>((resolve) => {
      const call = client.makeClientStreamRequest(path('Sum'), ser(Chunk), de(Total), new grpc.Metadata(), {}, (_err, value) => resolve(value));
      for (let i = 0; i < 5; i++) call.write({ text: `t${i}` });
      call.end();
    });
    expect(sum).toMatchObject({ count: 5, texts: 't0,t1,t2,t3,t4' });
    const chat = client.makeBidiStreamRequest(path('Chat'), ser(Chunk), de(Chunk), new grpc.Metadata(), {});
    const status = statusOf(chat);
    const replies = chat[Symbol.asyncIterator]();
    chat.write({ seq: 1, text: 'h2' });
    expect((await replies.next()).value).toMatchObject({ seq: 1, text: 'H2' });
    const cancelled = server.cancelled();
    chat.cancel();
    expect(await cancelled).toBe('Chat');
    expect((await status).code).toBe(grpc.status.CANCELLED);
  });
});

/** A POST to the consumer sidecar with node's http client, the response left unread until asked. */
function post(url: string, path: string, body: string, headers: Record<string, string> = {}): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, resolve);
    req.on('error', reject);
    req.end(body);
  });
}

async function text(res: http.IncomingMessage): Promise<string> {
  let s = '';
  for await (const c of res) s += String(c);
  return s;
}

describe('streaming methods for JSON callers (NDJSON, SSE)', () => {
  let mesh: Mesh;
  let server: StreamServer;

  beforeAll(async () => {
    server = await startStreamServer();
    mesh = await startMesh({ service: streamsService, idl: [streamsProto], upstream: `grpc://127.0.0.1:${server.port}`, providerApp: 'streams' });
  });

  afterAll(async () => {
    await mesh?.stop();
    await server?.stop();
  });

  test('server streaming answers NDJSON, one message a line', async () => {
    const res = await post(mesh.consumer.url, path('Count'), '{"count": 3, "size": 2}');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-ndjson');
    const lines = (await text(res)).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => JSON.parse(l))).toEqual([1, 2, 3].map((seq) => ({ seq, text: `m${seq}`, data: 'eHg=' })));
  });

  test('Accept: text/event-stream answers Server-Sent Events; an error after messages is the last event', async () => {
    const res = await post(mesh.consumer.url, path('Count'), '{"count": 5, "failAfter": 2}', { accept: 'text/event-stream' });
    expect(res.headers['content-type']).toBe('text/event-stream');
    const events = (await text(res)).split('\n\n').filter(Boolean);
    expect(events.slice(0, 2)).toEqual(['data: {"seq":1,"text":"m1"}', 'data: {"seq":2,"text":"m2"}']);
    expect(events[2]).toMatch(/^event: error\ndata: \{"error":\{"code":"ABORTED","message":"stopped after 2"/);
    expect(events).toHaveLength(3);
  });

  test('an error mid-stream is the last NDJSON line; one before the stream is the ordinary JSON error', async () => {
    const res = await post(mesh.consumer.url, path('Count'), '{"count": 5, "failAfter": 1}');
    const lines = (await text(res)).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([{ seq: 1, text: 'm1' }, { error: expect.objectContaining({ code: 'ABORTED', message: 'stopped after 1' }) }]);
    const bad = await post(mesh.consumer.url, path('Count'), '{"count": "many"}');
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(await text(bad)).error.code).toBe('INVALID_ARGUMENT');
  });

  test('client streaming takes an NDJSON body and answers JSON; bidi is UNIMPLEMENTED naming gRPC and Connect', async () => {
    const res = await post(mesh.consumer.url, path('Sum'), '{"text": "a", "data": "AAE="}\n{"text": "b"}\n\n{"text": "c"}\n');
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(await text(res))).toEqual({ count: 3, bytes: '2', texts: 'a,b,c' });
    const bidi = await post(mesh.consumer.url, path('Chat'), '{"text": "x"}\n');
    expect(bidi.statusCode).toBe(501);
    expect(JSON.parse(await text(bidi)).error.message).toMatch(/gRPC.*Connect/);
  });

  test('an HTTP reader that stops reading stops the provider', async () => {
    const start = server.written();
    const res = await post(mesh.consumer.url, path('Count'), JSON.stringify({ count: 20000, size: 10 * 1024 }));
    res.pause();
    let last = -1;
    while (server.written() !== last) {
      last = server.written();
      await new Promise((r) => setTimeout(r, 500));
    }
    // Base64 makes each line ~14 KB: everything buffered would be the whole 270 MB.
    expect(last - start).toBeLessThan(2000);
    let lines = 0;
    res.on('data', (c: Buffer) => {
      for (const b of c) if (b === 10) lines++;
    });
    res.resume();
    await new Promise((r) => res.on('end', r));
    expect(lines).toBe(20000);
  });
});
