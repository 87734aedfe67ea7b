import http2 from 'node:http2';
import net, { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { defaultLimits, Limits } from '../../src/config/sidecar-config';
import { initCa, loadCa, MeshCa, signCsr } from '../../src/identity/ca';
import { MeshTls } from '../../src/identity/mesh-tls';
import { newWorkloadKey } from '../../src/identity/workload-key';
import { inboundGuard } from '../../src/sidecar/inbound/inbound-guard';
import { InboundObserver } from '../../src/sidecar/inbound/inbound-observer';
import { PeerServer } from '../../src/sidecar/peer/peer-server';
import { FakeProvider, idlWith, okReply } from '../helpers/peer-fakes';
import type { Provider } from '../../src/protocol/provider';
import { AccessLog, defaultAccessLogOptions } from '../../src/telemetry/access-log';
import { Metrics } from '../../src/telemetry/metrics';
import { frame } from '../../src/transport/grpc/grpc-frame';
import { CancelToken } from '../../src/timing/cancel-token';
import { MuxPeerClient } from '../../src/sidecar/peer/mux-client';
import { decodeMessage, encodeFrame, encodeGoaway, encodeMessageFrame, FrameDecoder, FrameType, muxAlpn, muxMagic } from '../../src/sidecar/peer/mux-frame';
import { H2Client, H2ClientOptions, defaultH2ClientOptions } from '../../src/transport/grpc/h2-client';
import type { MeshError } from '../../src/errors/mesh-error';

/**
 * The peer hop in the mux framing over real sockets: MuxPeerClient against the PeerServer (which
 * also takes HTTP/2 on the same port), against older HTTP/2-only listeners, and against raw
 * servers that misbehave on purpose.
 */

const log = pino({ level: 'silent' });
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const ok = okReply;
const echo = (service = 'pkg.Svc') => new FakeProvider(service, async (c) => ok(`echo:${c.body.subarray(5).toString()}`));

/** A provider that holds every call until released (or cancelled). */
function heldProvider(): { provider: FakeProvider; release: () => void; cancelled: () => number } {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let cancelled = 0;
  const provider = new FakeProvider('pkg.Svc', async (c) => {
    c.cancel.set(() => cancelled++);
    await held;
    return ok('late');
  });
  return { provider, release, cancelled: () => cancelled };
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
}

async function startPeerServer(provider: Provider, limits: Partial<Limits> = {}, tls?: MeshTls) {
  const metrics = new Metrics();
  const observer = new InboundObserver(metrics, new AccessLog(defaultAccessLogOptions), new Map(), undefined);
  const server = new PeerServer(new Map([[provider.service, provider]]), observer, 10_000, log, idlWith('pkg.Svc', 'Get'), { ...defaultLimits, ...limits }, inboundGuard(tls, undefined));
  const port = await listen(server.server);
  cleanup.push(() => server.close());
  return { server, port, metrics, authority: `127.0.0.1:${port}` };
}

function muxClient(opts: Partial<H2ClientOptions> = {}, tls?: (a: string) => ReturnType<MeshTls['clientOptions']>): MuxPeerClient {
  const c = new MuxPeerClient({ ...defaultH2ClientOptions, ...opts }, tls);
  cleanup.push(() => c.close());
  return c;
}

const headers = (extra: Record<string, string> = {}) => ({ ':method': 'POST', ':path': '/pkg.Svc/Get', 'content-type': 'application/grpc', te: 'trailers', 'grpc-timeout': '5000m', 'x-transmesh-caller': 'web', ...extra });

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

async function rejection(p: Promise<unknown>): Promise<MeshError> {
  return p.then(
    () => {
      throw new Error('resolved');
    },
    (e: MeshError) => e,
  );
}

describe('MuxPeerClient ↔ PeerServer over TCP', () => {
  test('many calls at once share one connection; headers, metadata and status go both ways', async () => {
    const provider = new FakeProvider('pkg.Svc', async (c) => ({ ...ok(`echo:${c.body.subarray(5).toString()}`, { 'x-answer': String(c.headers['x-question']) }) }));
    const { authority } = await startPeerServer(provider);
    const client = muxClient();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => client.call(authority, headers({ 'x-question': `q${i}`, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }), Buffer.from(`m${i}`), Date.now() + 5000)));
    results.forEach((r, i) => {
      expect(r.status).toBe(0);
      expect(r.payload.toString()).toBe(`echo:m${i}`);
      expect(r.metadata['x-answer']).toBe(`q${i}`);
    });
    expect(client.sessionCount).toBe(1);
    const seen = provider.calls[0];
    expect(seen.path).toBe('/pkg.Svc/Get');
    expect(seen.headers['x-transmesh-caller']).toBe('web');
    expect(seen.headers.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-/);
    // The provider gets the gRPC-framed body, as over HTTP/2.
    expect(seen.body.readUInt32BE(1)).toBe(seen.body.length - 5);
  });

  test('an error answer keeps its status, message and the not-sent mark', async () => {
    const { authority } = await startPeerServer(echo('pkg.Other'));
    const r = await muxClient().call(authority, headers(), Buffer.from('x'), Date.now() + 5000);
    expect(r.status).toBe(14);
    expect(r.message).toMatch(/does not provide pkg\.Svc/);
    expect(r.headers['x-transmesh-not-sent']).toBe('1');
  });

  test('the deadline ends the call DEADLINE_EXCEEDED and cancels it at the provider', async () => {
    const { provider, cancelled } = heldProvider();
    const { server, authority } = await startPeerServer(provider);
    const e = await rejection(muxClient().call(authority, headers(), Buffer.from('x'), Date.now() + 100));
    expect(e.code).toBe('DEADLINE_EXCEEDED');
    await until(() => cancelled() === 1);
    await server.idle();
  });

  test('a cancelled call rejects CANCELLED; the provider sees the cancel and the in-flight count drops', async () => {
    const { provider, cancelled } = heldProvider();
    const { server, authority } = await startPeerServer(provider);
    const cancel = new CancelToken();
    const p = muxClient().call(authority, headers(), Buffer.from('x'), Date.now() + 5000, cancel);
    await until(() => provider.calls.length === 1);
    cancel.cancel();
    expect((await rejection(p)).code).toBe('CANCELLED');
    await until(() => cancelled() === 1);
    await server.idle();
  });

  test('drain: GOAWAY lets the call in flight finish; the connection then closes and a new call finds nobody (retryable)', async () => {
    const { provider, release } = heldProvider();
    const { server, authority } = await startPeerServer(provider);
    const client = muxClient();
    const inFlight = client.call(authority, headers(), Buffer.from('a'), Date.now() + 5000);
    await until(() => provider.calls.length === 1);
    const closing = Promise.all([server.close(), server.idle()]);
    await until(() => client.sessionCount === 0);
    release();
    expect((await inFlight).payload.toString()).toBe('late');
    await closing;
    const e = await rejection(client.call(authority, headers(), Buffer.from('b'), Date.now() + 5000));
    expect([e.code, e.retryable]).toEqual(['UNAVAILABLE', true]);
  });

  test('a request over the size limit is refused RESOURCE_EXHAUSTED from its frame header; the connection goes on', async () => {
    const provider = echo();
    const { authority } = await startPeerServer(provider, { maxMessageBytes: 1024 });
    const client = muxClient();
    const e = await client.call(authority, headers(), Buffer.alloc(200_000), Date.now() + 5000);
    expect(e.status).toBe(8);
    expect(e.message).toMatch(/over the limit/);
    expect(provider.calls).toHaveLength(0);
    expect((await client.call(authority, headers(), Buffer.from('small'), Date.now() + 5000)).payload.toString()).toBe('echo:small');
  });

  test('a response over the client limit is RESOURCE_EXHAUSTED', async () => {
    const { authority } = await startPeerServer(new FakeProvider('pkg.Svc', async () => ok('y'.repeat(5000))));
    const e = await rejection(muxClient({ maxMessageBytes: 1000 }).call(authority, headers(), Buffer.from('x'), Date.now() + 5000));
    expect(e.code).toBe('RESOURCE_EXHAUSTED');
  });

  test('calls over maxConcurrentStreams on one connection, or over maxInFlight, are refused retryable', async () => {
    const { provider, release } = heldProvider();
    const { authority } = await startPeerServer(provider, { maxConcurrentStreams: 2 });
    const client = muxClient();
    const held = [client.call(authority, headers(), Buffer.from('a'), Date.now() + 5000), client.call(authority, headers(), Buffer.from('b'), Date.now() + 5000)];
    const e = await rejection(client.call(authority, headers(), Buffer.from('c'), Date.now() + 5000));
    expect([e.code, e.retryable]).toEqual(['UNAVAILABLE', true]);
    release();
    await Promise.all(held);

    const second = heldProvider();
    const { authority: a2 } = await startPeerServer(second.provider, { maxInFlight: 1 });
    const first = client.call(a2, headers(), Buffer.from('a'), Date.now() + 5000);
    await until(() => second.provider.calls.length === 1);
    const e2 = await rejection(client.call(a2, headers(), Buffer.from('b'), Date.now() + 5000));
    expect([e2.code, e2.retryable]).toEqual(['UNAVAILABLE', true]);
    second.release();
    await first;
  });

  test('the same port answers HTTP/2 (an older consumer) and the mux framing', async () => {
    const { authority } = await startPeerServer(echo());
    const h2 = new H2Client();
    cleanup.push(() => h2.close());
    const [a, b] = await Promise.all([h2.call(authority, headers(), Buffer.from('h2'), Date.now() + 5000), muxClient().call(authority, headers(), Buffer.from('mux'), Date.now() + 5000)]);
    expect([a.payload.toString(), b.payload.toString()]).toEqual(['echo:h2', 'echo:mux']);
  });

  test('the magic and the first frame may arrive a byte at a time', async () => {
    const { port } = await startPeerServer(echo());
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    cleanup.push(() => s.destroy());
    s.setNoDelay(true);
    const got: Buffer[] = [];
    s.on('data', (c: Buffer) => got.push(c));
    const wire = Buffer.concat([muxMagic, encodeMessageFrame(FrameType.request, 1, headers(), Buffer.from('slow'), false)]);
    for (const byte of wire) {
      await new Promise<void>((r) => s.write(Buffer.from([byte]), () => r()));
      await new Promise((r) => setImmediate(r));
    }
    const frames: Buffer[] = [];
    const decoder = new FrameDecoder(1024 * 1024, { frame: (_t, _id, payload) => frames.push(Buffer.from(payload)), oversize: () => undefined });
    await until(() => Buffer.concat(got).length > muxMagic.length);
    let seen = 0;
    await until(() => {
      const all = Buffer.concat(got);
      if (all.length > seen) decoder.push(all.subarray(Math.max(seen, muxMagic.length)));
      seen = all.length;
      return frames.length === 1;
    });
    expect(decodeMessage(frames[0]).body.subarray(5).toString()).toBe('echo:slow');
  });

  test('a connection sending neither protocol is closed', async () => {
    const { port } = await startPeerServer(echo());
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    s.write('GET / HTTP/1.1\r\n\r\n');
    await new Promise((r) => s.once('close', r));
  });

  test('a frame left half-sent past bodyTimeoutMs, or a malformed one, closes the connection', async () => {
    const { port } = await startPeerServer(echo(), { bodyTimeoutMs: 100 });
    const open = (bytes: Buffer) => {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => undefined);
      s.resume();
      cleanup.push(() => s.destroy());
      s.write(Buffer.concat([muxMagic, bytes]));
      return new Promise((r) => s.once('close', r));
    };
    const half = encodeFrame(FrameType.request, 1, Buffer.alloc(100)).subarray(0, 30);
    await open(half);
    await open(encodeFrame(99, 1, Buffer.alloc(4)));
  });

  test('a consumer that does not read its answers stops being read from, and is read again once it does', async () => {
    const big = okReply('x'.repeat(1024 * 1024));
    const provider = new FakeProvider('pkg.Svc', async () => big);
    const { server, port } = await startPeerServer(provider, { maxMessageBytes: 2 * 1024 * 1024 });
    const accepted: net.Socket[] = [];
    server.server.on('connection', (s: net.Socket) => accepted.push(s));
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    cleanup.push(() => s.destroy());
    s.write(muxMagic);
    const request = (id: number) => encodeMessageFrame(FrameType.request, id, headers(), Buffer.from('q'), false);
    // One request at a time, each once the provider has the one before, while nothing is read.
    let sent = 0;
    while (!accepted[0]?.isPaused()) {
      expect(sent).toBeLessThan(300);
      s.write(request(2 * sent + 1));
      sent++;
      await until(() => provider.calls.length === sent || !!accepted[0]?.isPaused());
    }
    for (let i = 0; i < 5; i++) s.write(request(2 * sent++ + 1));
    // Reading the answers lets the listener read again: every request is answered.
    let answered = 0;
    const decoder = new FrameDecoder(4 * 1024 * 1024, { frame: (type) => type === FrameType.response && answered++, oversize: () => undefined });
    let greeting = muxMagic.length;
    s.on('data', (c: Buffer) => {
      const skip = Math.min(greeting, c.length);
      greeting -= skip;
      decoder.push(c.subarray(skip));
    });
    await until(() => answered === sent && provider.calls.length === sent);
  });

  test('an older provider sidecar (HTTP/2 only) is called over HTTP/2', async () => {
    const old = http2.createServer();
    old.on('stream', (s) => {
      s.on('error', () => undefined);
      s.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      s.once('wantTrailers', () => s.sendTrailers({ 'grpc-status': '0' }));
      s.end(frame(Buffer.from('from h2')));
    });
    const port = await listen(old as unknown as net.Server);
    cleanup.push(() => new Promise((r) => old.close(r)));
    const client = muxClient();
    const authority = `127.0.0.1:${port}`;
    const both = await Promise.all([client.call(authority, headers(), Buffer.from('x'), Date.now() + 5000), client.call(authority, headers(), Buffer.from('y'), Date.now() + 5000)]);
    expect(both.map((r) => r.payload.toString())).toEqual(['from h2', 'from h2']);
    expect((await client.call(authority, headers(), Buffer.from('z'), Date.now() + 5000)).payload.toString()).toBe('from h2');
    expect(client.sessionCount).toBe(1);
  });
  test('a call handed to HTTP/2 on fallback keeps its cancel token', async () => {
    const old = http2.createServer();
    const streams: http2.ServerHttp2Stream[] = [];
    old.on('stream', (s) => {
      s.on('error', () => undefined);
      streams.push(s);
    });
    const port = await listen(old as unknown as net.Server);
    cleanup.push(() => new Promise((r) => old.close(r)));
    const cancel = new CancelToken();
    const p = muxClient().call(`127.0.0.1:${port}`, headers(), Buffer.from('x'), Date.now() + 5000, cancel);
    await until(() => streams.length === 1);
    cancel.cancel();
    expect((await rejection(p)).code).toBe('CANCELLED');
    await until(() => streams[0].closed);
  });
});

describe('MuxPeerClient against a raw server', () => {
  /** A listener that greets with the magic and lets `onFrame` answer each frame's raw bytes. */
  async function rawServer(onData: (socket: net.Socket, data: Buffer) => void): Promise<string> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
      s.write(muxMagic);
      s.on('data', (d) => onData(s, d));
    });
    const port = await listen(server);
    cleanup.push(() => new Promise((r) => server.close(r)));
    cleanup.push(() => sockets.forEach((s) => s.destroy()));
    return `127.0.0.1:${port}`;
  }

  test('GOAWAY before the call was taken is retryable; REFUSED too', async () => {
    const goaway = await rawServer((s) => s.write(encodeGoaway(0)));
    const e = await rejection(muxClient().call(goaway, headers(), Buffer.from('x'), Date.now() + 5000));
    expect([e.code, e.retryable]).toEqual(['UNAVAILABLE', true]);
    const refused = await rawServer((s, d) => d.length > muxMagic.length + 9 && s.write(encodeFrame(FrameType.refused, 1)));
    const e2 = await rejection(muxClient().call(refused, headers(), Buffer.from('x'), Date.now() + 5000));
    expect([e2.code, e2.retryable]).toEqual(['UNAVAILABLE', true]);
  });

  test('a connection lost after the call was sent is not retryable; one refused is', async () => {
    const lost = await rawServer((s) => s.destroy());
    const e = await rejection(muxClient().call(lost, headers(), Buffer.from('x'), Date.now() + 5000));
    expect([e.code, e.retryable]).toEqual(['UNAVAILABLE', false]);
    const free = net.createServer();
    const port = await listen(free);
    await new Promise((r) => free.close(r));
    const e2 = await rejection(muxClient().call(`127.0.0.1:${port}`, headers(), Buffer.from('x'), Date.now() + 5000));
    expect([e2.code, e2.retryable]).toEqual(['UNAVAILABLE', true]);
  });

  test('a peer that goes silent is found by keepalive PING, not by the call deadline', async () => {
    const silent = await rawServer(() => undefined);
    const e = await rejection(muxClient({ pingIntervalMs: 50 }).call(silent, headers(), Buffer.from('x'), Date.now() + 60_000));
    expect(e.code).toBe('UNAVAILABLE');
    expect(e.message).toMatch(/keepalive PING/);
  });

  test('a listener that never greets is given up within a keepalive interval; nothing was sent, so it is retryable', async () => {
    const server = net.createServer((s) => s.on('error', () => undefined));
    const port = await listen(server);
    cleanup.push(() => new Promise((r) => server.close(r)));
    const sockets: net.Socket[] = [];
    server.on('connection', (s) => sockets.push(s));
    cleanup.push(() => sockets.forEach((s) => s.destroy()));
    const e = await rejection(muxClient({ pingIntervalMs: 50 }).call(`127.0.0.1:${port}`, headers(), Buffer.from('x'), Date.now() + 60_000));
    expect([e.code, e.retryable]).toEqual(['UNAVAILABLE', true]);
    expect(e.message).toMatch(/did not greet/);
  });

  test('the listener closes an idle connection with a GOAWAY; the client then opens a new one', async () => {
    const { authority } = await startPeerServer(echo(), { idleTimeoutMs: 100 });
    const client = muxClient();
    await client.call(authority, headers(), Buffer.from('x'), Date.now() + 5000);
    await until(() => client.sessionCount === 0);
    expect((await client.call(authority, headers(), Buffer.from('y'), Date.now() + 5000)).payload.toString()).toBe('echo:y');
  });

  test('an idle connection is closed after idleTimeoutMs; the next call reconnects', async () => {
    const { authority } = await startPeerServer(echo());
    const client = muxClient({ idleTimeoutMs: 100 });
    await client.call(authority, headers(), Buffer.from('x'), Date.now() + 5000);
    expect(client.sessionCount).toBe(1);
    await until(() => client.sessionCount === 0);
    expect((await client.call(authority, headers(), Buffer.from('y'), Date.now() + 5000)).payload.toString()).toBe('echo:y');
  });

  test('a connection that used up its u32 stream ids finishes its calls and hands over to a new one', async () => {
    const { authority } = await startPeerServer(echo());
    const client = muxClient();
    await client.call(authority, headers(), Buffer.from('a'), Date.now() + 5000);
    const conns = (client as unknown as { conns: Map<string, { nextId: number }> }).conns;
    const first = conns.get(authority)!;
    first.nextId = 0xffff_fffd;
    expect((await client.call(authority, headers(), Buffer.from('last'), Date.now() + 5000)).payload.toString()).toBe('echo:last');
    expect((await client.call(authority, headers(), Buffer.from('next'), Date.now() + 5000)).payload.toString()).toBe('echo:next');
    expect(conns.get(authority)).not.toBe(first);
  });

  test('retain() closes connections to peers that left the endpoints snapshot', async () => {
    const { authority } = await startPeerServer(echo());
    const client = muxClient();
    await client.call(authority, headers(), Buffer.from('x'), Date.now() + 5000);
    client.retain(new Set(['10.0.0.1:15006']));
    expect(client.sessionCount).toBe(0);
  });
});

describe('the peer hop under mTLS', () => {
  let dir: string;
  let ca: MeshCa;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mux-tls-'));
    await initCa(dir, 'mesh.test');
    ca = await loadCa(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function meshTls(app: string): Promise<MeshTls> {
    const key = await newWorkloadKey(app);
    return new MeshTls({ keyPem: key.keyPem, certPem: await signCsr(ca, key.csrPem, app, 3_600_000), caPem: ca.certPem, trustDomain: 'mesh.test' });
  }

  test('ALPN picks the mux framing for a new consumer and h2 for an older one; the caller comes from the certificate either way', async () => {
    const [prov, web] = await Promise.all([meshTls('prov'), meshTls('web')]);
    const provider = echo();
    const { server, authority, metrics } = await startPeerServer(provider, {}, prov);
    const alpn: Array<string | false | null> = [];
    server.server.on('secureConnection', (s: TLSSocket) => alpn.push(s.alpnProtocol));
    const mux = muxClient({}, () => web.clientOptions('prov'));
    const h2 = new H2Client(defaultH2ClientOptions, () => web.clientOptions('prov'));
    cleanup.push(() => h2.close());
    // The caller header is ignored under mTLS: the certificate says who calls.
    const [a, b] = await Promise.all([mux.call(authority, headers({ 'x-transmesh-caller': 'liar' }), Buffer.from('m'), Date.now() + 5000), h2.call(authority, headers({ 'x-transmesh-caller': 'liar' }), Buffer.from('h'), Date.now() + 5000)]);
    expect([a.payload.toString(), b.payload.toString()]).toEqual(['echo:m', 'echo:h']);
    expect(alpn.sort()).toEqual(['h2', muxAlpn]);
    expect(metrics.samples().map((s) => s.caller)).toEqual(['web']);
  });

  test('a provider of another identity is refused by the handshake', async () => {
    const [prov, web] = await Promise.all([meshTls('prov'), meshTls('web')]);
    const { authority } = await startPeerServer(echo(), {}, prov);
    const e = await rejection(muxClient({}, () => web.clientOptions('someone-else')).call(authority, headers(), Buffer.from('m'), Date.now() + 5000));
    expect(e.code).toBe('UNAVAILABLE');
    expect(e.message).toMatch(/discovery says someone-else/);
  });

  test('an older provider sidecar offering h2 only is called over HTTP/2', async () => {
    const [prov, web] = await Promise.all([meshTls('prov'), meshTls('web')]);
    const old = http2.createSecureServer(prov.serverOptions());
    old.on('stream', (s) => {
      s.on('error', () => undefined);
      s.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '0' }, { endStream: false });
      s.end(frame(Buffer.from('old')));
    });
    const port = await listen(old as unknown as net.Server);
    cleanup.push(() => new Promise((r) => old.close(r)));
    const r = await muxClient({}, () => web.clientOptions('prov')).call(`127.0.0.1:${port}`, headers(), Buffer.from('m'), Date.now() + 5000);
    expect(r.payload.toString()).toBe('old');
  });
});
