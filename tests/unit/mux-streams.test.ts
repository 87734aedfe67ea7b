import net, { type AddressInfo } from 'node:net';
import fc from 'fast-check';
import pino from 'pino';
import { defaultLimits } from '../../src/config/sidecar-config';
import { MeshError } from '../../src/errors/mesh-error';
import type { MethodModel, ServiceModel } from '../../src/idl/model';
import type { InboundCall, InboundReply, InboundStreamCall, Provider } from '../../src/protocol/provider';
import { inboundGuard } from '../../src/sidecar/inbound/inbound-guard';
import { InboundObserver } from '../../src/sidecar/inbound/inbound-observer';
import { MuxPeerClient } from '../../src/sidecar/peer/mux-client';
import { MuxCredit } from '../../src/sidecar/peer/mux-credit';
import { decodeData, decodeMessage, decodeWindow, encodeData, encodeFrame, encodeHeadersFrame, encodeWindow, FrameDecoder, FrameType, muxMagic, streamWindowBytes } from '../../src/sidecar/peer/mux-frame';
import { PeerServer } from '../../src/sidecar/peer/peer-server';
import { SnapshotCell } from '../../src/snapshot/snapshot-cell';
import { emptyIdl, IdlSnapshot } from '../../src/snapshot/snapshots';
import { AccessLog, defaultAccessLogOptions } from '../../src/telemetry/access-log';
import { Metrics } from '../../src/telemetry/metrics';
import { CancelToken } from '../../src/timing/cancel-token';
import { H2Client, defaultH2ClientOptions } from '../../src/transport/grpc/h2-client';
import { MessageQueue } from '../../src/transport/grpc/message-queue';
import type { StreamResponse } from '../../src/transport/grpc/stream-response';
import { check, chunked, fuzzSeed, outcome } from '../fuzz/fuzz-harness';

/**
 * Streaming calls on the peer hop (docs/architecture.md, "The peer hop's wire format"): the
 * stream frames, per-stream credit, and a real PeerServer and MuxPeerClient (and the HTTP/2 hop)
 * over sockets: messages both ways, a slow reader stopping the writer, cancel and deadline.
 */

const log = pino({ level: 'silent' });
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe('stream frames', () => {
  test('OPEN, HEADERS and END carry a header block; DATA one message; WINDOW its credit; in any chunking', () => {
    check(fc.tuple(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 2 ** 32 - 1 }), fc.array(fc.nat(), { maxLength: 8 })), ([msg, credit, cuts]) => {
      const wire = Buffer.concat([encodeHeadersFrame(FrameType.open, 1, { ':path': '/a/b' }), encodeData(1, msg), encodeFrame(FrameType.halfClose, 1), encodeWindow(1, credit), encodeHeadersFrame(FrameType.end, 1, { 'grpc-status': '0' })]);
      const got: Array<[number, number, Buffer]> = [];
      const d = new FrameDecoder(1 << 20, { frame: (t, id, p) => got.push([t, id, Buffer.from(p)]), oversize: () => undefined });
      for (const c of chunked(wire, cuts)) d.push(c);
      expect(got.map(([t]) => t)).toEqual([FrameType.open, FrameType.data, FrameType.halfClose, FrameType.window, FrameType.end]);
      expect({ ...decodeMessage(got[0][2]).headers }).toEqual({ ':path': '/a/b' });
      expect(Buffer.from(decodeData(got[1][2], 1 << 20))).toEqual(Buffer.from(msg));
      expect(decodeWindow(got[3][2])).toBe(credit);
      expect({ ...decodeMessage(got[4][2]).headers }).toEqual({ 'grpc-status': '0' });
    });
  });

  test('DATA over the message limit is RESOURCE_EXHAUSTED; a DATA or WINDOW payload that lies is INTERNAL; random payloads never crash', () => {
    expect(() => decodeData(encodeData(1, Buffer.alloc(11)).subarray(9), 10)).toThrow(/over the 10-byte limit/);
    check(fc.uint8Array({ maxLength: 40 }), (bytes) => {
      const b = Buffer.from(bytes);
      const m = outcome(() => decodeData(b, 16), ['INTERNAL', 'RESOURCE_EXHAUSTED']);
      if (m) expect(m.length).toBe(b.length - 5);
      const w = outcome(() => decodeWindow(b), ['INTERNAL']);
      if (w !== undefined) expect(w).toBeGreaterThan(0);
    });
  });
});

describe('stream credit', () => {
  test('a writer stops at zero credit (one message may overshoot) and goes on with a WINDOW', async () => {
    const c = new MuxCredit();
    expect(c.mayWrite()).toBeUndefined();
    c.wrote(streamWindowBytes + 100);
    const wait = c.mayWrite();
    expect(wait).toBeDefined();
    let released = false;
    void wait!.then(() => (released = true));
    c.granted(50);
    await Promise.resolve();
    expect(released).toBe(false);
    c.granted(100);
    await wait;
    expect(released).toBe(true);
  });

  test('the reader grants back half a window at a time; DATA beyond what it granted is a protocol error', () => {
    const c = new MuxCredit();
    c.received(streamWindowBytes);
    expect(() => c.received(1)).toThrow(/without credit/);
    expect(c.took(streamWindowBytes / 2 - 1)).toBe(0);
    expect(c.took(1)).toBe(streamWindowBytes / 2);
    c.received(10);
  });

  test('a message queue says stop at its high-water mark, tells its producer as messages are taken, and ends after them', async () => {
    const q = new MessageQueue(100);
    const taken: number[] = [];
    q.onTake = (n) => taken.push(n);
    expect(q.push(Buffer.alloc(40))).toBe(true);
    expect(q.push(Buffer.alloc(60))).toBe(false);
    q.fail(new MeshError('ABORTED', 'x'));
    expect((await q.next())!.length).toBe(40);
    expect((await q.next())!.length).toBe(60);
    await expect(q.next()).rejects.toThrow('x');
    expect(taken).toEqual([45, 65]);
    expect(q.push(Buffer.alloc(1))).toBe(false);
  });
});

/** An IDL snapshot whose methods stream (the HTTP/2 listener tells streams from unary calls by it). */
function streamingIdl(service: string): SnapshotCell<IdlSnapshot> {
  const method = { name: 'Watch', clientStreaming: true, serverStreaming: true } as unknown as MethodModel;
  const model: ServiceModel = { name: service, protocol: 'grpc', rpcSystem: 'grpc', methods: new Map([['Watch', method]]), describe: () => ({ methods: [] }) };
  const cell = new SnapshotCell<IdlSnapshot>(emptyIdl);
  cell.swap({ services: new Map([[service, { model, version: 1 }]]), loadedAt: 1 });
  return cell;
}

/** A streaming provider the test drives: it echoes every request message `times` times, honouring back-pressure, and counts what it produced. */
class StreamingProvider implements Provider {
  readonly service = 'pkg.Svc';
  readonly protocol = 'grpc';
  readonly encoding = undefined;
  readonly rpcSystem = 'grpc';
  produced = 0;
  cancelled = 0;
  requestsSeen: MessageQueue | undefined;
  constructor(
    private readonly times: number,
    private readonly readRequests = true,
  ) {}
  call(_c: InboundCall): Promise<InboundReply> {
    throw new Error('unary');
  }
  async stream(c: InboundStreamCall): Promise<StreamResponse> {
    const messages = new MessageQueue();
    let endWith!: (s: { status: number; message: string; detailsBin: undefined; metadata: Record<string, string> }) => void;
    const trailers = new Promise<Parameters<typeof endWith>[0]>((r) => (endWith = r));
    let gone = false;
    c.cancel.set(() => {
      gone = true;
      this.cancelled++;
      messages.end();
      endWith({ status: 1, message: 'cancelled', detailsBin: undefined, metadata: {} });
    });
    this.requestsSeen = c.requests;
    let room: (() => void) | undefined;
    messages.onTake = () => room?.();
    void (async () => {
      if (!this.readRequests) return;
      try {
        for await (const m of c.requests) {
          for (let i = 0; i < this.times && !gone; i++) {
            this.produced++;
            if (!messages.push(m)) await new Promise<void>((r) => (room = r));
          }
        }
      } catch {
        // The consumer cancelled: the request queue fails, the cancel token has ended the stream.
        return;
      }
      messages.end();
      endWith({ status: 0, message: '', detailsBin: undefined, metadata: { done: 'yes' } });
    })();
    return { status: 0, message: '', detailsBin: undefined, metadata: { started: 'yes' }, headers: {}, messages, trailers };
  }
  close(): void {}
}

async function startServer(provider: Provider) {
  const observer = new InboundObserver(new Metrics(), new AccessLog(defaultAccessLogOptions), new Map(), undefined);
  const server = new PeerServer(new Map([[provider.service, provider]]), observer, 10_000, log, streamingIdl('pkg.Svc'), defaultLimits, inboundGuard(undefined, undefined));
  await new Promise<void>((r) => server.server.listen(0, '127.0.0.1', () => r()));
  cleanup.push(() => server.close());
  return `127.0.0.1:${(server.server.address() as AddressInfo).port}`;
}

const headers = { ':method': 'POST', ':path': '/pkg.Svc/Watch', 'content-type': 'application/grpc', te: 'trailers', 'grpc-timeout': '10000m', 'x-transmesh-caller': 'web' };

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

/** Waits until `value()` has not changed for a few event-loop rounds of I/O. */
async function settled(value: () => number): Promise<number> {
  let last = -1;
  while (value() !== last) {
    last = value();
    await new Promise((r) => setTimeout(r, 100));
  }
  return last;
}

const clients = {
  mux: () => {
    const c = new MuxPeerClient(defaultH2ClientOptions);
    cleanup.push(() => c.close());
    return c;
  },
  h2: () => {
    const c = new H2Client(defaultH2ClientOptions);
    cleanup.push(() => c.close());
    return c;
  },
};

describe.each(Object.keys(clients) as Array<keyof typeof clients>)('streams over the %s peer hop', (kind) => {
  test('messages both ways, headers then trailers with their metadata', async () => {
    const provider = new StreamingProvider(3);
    const authority = await startServer(provider);
    const requests = new MessageQueue();
    const res = await clients[kind]().stream(authority, headers, requests, Date.now() + 10_000);
    expect(res.status).toBe(0);
    expect(res.metadata.started).toBe('yes');
    const got: string[] = [];
    for (let i = 0; i < 50; i++) {
      requests.push(Buffer.from(`m${i}`));
      for (let j = 0; j < 3; j++) got.push(String(await res.messages.next()));
    }
    requests.end();
    expect(await res.messages.next()).toBeUndefined();
    expect(got).toHaveLength(150);
    expect(got[149]).toBe('m49');
    const end = await res.trailers;
    expect(end).toMatchObject({ status: 0, metadata: { done: 'yes' } });
  });

  test('a reader that stops stops the provider: what it produced settles within the windows, then all of it arrives', async () => {
    const provider = new StreamingProvider(5000);
    const authority = await startServer(provider);
    const requests = new MessageQueue();
    const res = await clients[kind]().stream(authority, headers, requests, Date.now() + 20_000);
    requests.push(Buffer.alloc(10 * 1024, 1));
    requests.end();
    const ahead = await settled(() => provider.produced);
    // 50 MB if nothing held it back; the queues and windows on the way hold well under 2 MB.
    expect(ahead).toBeLessThan(200);
    let n = 0;
    while ((await res.messages.next()) !== undefined) n++;
    expect(n).toBe(5000);
    expect((await res.trailers).status).toBe(0);
  });

  test('a provider that stops reading stops the caller: the request queue fills and waits', async () => {
    const provider = new StreamingProvider(1, false);
    const authority = await startServer(provider);
    const requests = new MessageQueue();
    const cancel = new CancelToken();
    cleanup.push(() => cancel.cancel());
    const res = clients[kind]().stream(authority, headers, requests, Date.now() + 20_000, cancel);
    // A producer that honours the queue: it writes while the queue takes more, and again as messages are taken.
    let pushed = 0;
    const produce = () => {
      while (pushed < 5000) {
        pushed++;
        if (!requests.push(Buffer.alloc(10 * 1024))) return;
      }
    };
    requests.onTake = () => (requests.bytes < requests.highWaterBytes ? produce() : undefined);
    produce();
    await res;
    // 50 MB if nothing held it back: the queues and windows on the way take under 2 MB, then the caller waits.
    expect(await settled(() => pushed)).toBeLessThan(200);
    expect(provider.requestsSeen!.bytes).toBeLessThanOrEqual(streamWindowBytes + 2 * 10 * 1024 + 64 * 1024);
  });

  test("the caller's cancel and deadline cancel the provider's call", async () => {
    const provider = new StreamingProvider(1, false);
    const authority = await startServer(provider);
    const cancel = new CancelToken();
    const res = await clients[kind]().stream(authority, headers, new MessageQueue(), Date.now() + 10_000, cancel);
    cancel.cancel();
    expect((await res.trailers).status).toBe(1);
    await until(() => provider.cancelled === 1);
    const late = await clients[kind]().stream(authority, headers, new MessageQueue(), Date.now() + 300);
    expect((await late.trailers).status).toBe(4);
    await until(() => provider.cancelled === 2);
  });
});

test('a provider without streams answers a streaming call UNIMPLEMENTED, naming gRPC', async () => {
  const unaryOnly: Provider = { service: 'pkg.Svc', protocol: 'http', encoding: undefined, rpcSystem: 'http', call: async () => ({ status: 0, message: '', detailsBin: undefined, metadata: {} }), close: () => undefined };
  const authority = await startServer(unaryOnly);
  const res = await clients.mux().stream(authority, headers, new MessageQueue(), Date.now() + 5000);
  expect(res.status).toBe(12);
  expect(res.message).toMatch(/speaks http.*gRPC provider/);
});


test('random stream frames from a consumer never crash the listener, and it serves the next connection', async () => {
  const provider = new StreamingProvider(2);
  const authority = await startServer(provider);
  const [host, port] = [authority.split(':')[0], Number(authority.split(':')[1])];
  const payload = fc.oneof(
    fc.uint8Array({ maxLength: 30 }).map((b) => Buffer.from(b)),
    fc.uint8Array({ maxLength: 30 }).map((b) => encodeData(1, b).subarray(9)),
    fc.integer({ min: 0, max: 2 ** 32 - 1 }).map((n) => encodeWindow(1, n).subarray(9)),
    fc.constant(encodeHeadersFrame(FrameType.open, 1, headers).subarray(9)),
  );
  const frames = fc.array(fc.tuple(fc.constantFrom(3, 8, 9, 10, 11, 12, 13), fc.constantFrom(1, 3, 5), payload), { maxLength: 12 });
  await fc.assert(
    fc.asyncProperty(frames, async (list) => {
      const socket = net.connect(port, host);
      socket.on('error', () => undefined);
      socket.on('data', () => undefined);
      socket.write(muxMagic);
      for (const [type, id, p] of list) {
        const f = Buffer.alloc(9 + p.length);
        f.writeUInt32BE(p.length, 0);
        f[4] = type;
        f.writeUInt32BE(id, 5);
        p.copy(f, 9);
        socket.write(f);
      }
      socket.end();
      await new Promise((r) => socket.once('close', r));
    }),
    { seed: fuzzSeed, numRuns: 60 },
  );
  const requests = new MessageQueue();
  const res = await clients.mux().stream(authority, headers, requests, Date.now() + 5000);
  requests.push(Buffer.from('still here'));
  requests.end();
  expect(String(await res.messages.next())).toBe('still here');
});
