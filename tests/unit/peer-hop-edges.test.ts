import { InboundObserver } from '../../src/sidecar/inbound/inbound-observer';
import { AccessLog, defaultAccessLogOptions } from '../../src/telemetry/access-log';
import http2, { ClientHttp2Session, Http2Server, IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import net, { AddressInfo } from 'node:net';
import pino from 'pino';
import { defaultLimits, Limits } from '../../src/config/sidecar-config';
import { GrpcProvider } from '../../adapters/grpc/grpc-provider';
import { PeerServer } from '../../src/sidecar/peer/peer-server';
import { FakeProvider, idlWith } from '../helpers/peer-fakes';
import type { Provider } from '../../src/protocol/provider';
import { Metrics } from '../../src/telemetry/metrics';
import { frame } from '../../src/transport/grpc/grpc-frame';
import { CancelToken } from '../../src/timing/cancel-token';
import { maxTimerMs } from '../../src/timing/timer-cap';
import { H2Client } from '../../src/transport/grpc/h2-client';
import { MeshError } from '../../src/errors/mesh-error';

/**
 * The peer hop at the socket: a raw HTTP/2 client sends what a broken or hostile sidecar would
 * to the peer listener, and raw HTTP/2 servers answer the peer client the same way.
 */

const log = pino({ level: 'silent' });
const { NGHTTP2_CANCEL, NGHTTP2_REFUSED_STREAM } = http2.constants;

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function listen(server: Http2Server | net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
}

async function startPeerServer(provider: Provider, limits: Partial<Limits> = {}, idl = idlWith('pkg.Svc', 'Get')) {
  const metrics = new Metrics();
  const observer = new InboundObserver(metrics, new AccessLog(defaultAccessLogOptions), new Map(), undefined);
  const server = new PeerServer(new Map([[provider.service, provider]]), observer, 10_000, log, idl, { ...defaultLimits, ...limits });
  const port = await listen(server.server);
  cleanup.push(() => server.close());
  return { server, port, metrics };
}

function connect(port: number): ClientHttp2Session {
  const s = http2.connect(`http://127.0.0.1:${port}`);
  s.on('error', () => undefined);
  cleanup.push(() => s.destroy());
  return s;
}

interface RawAnswer {
  headers: IncomingHttpHeaders | undefined;
  rstCode: number;
}

/** Opens a stream, lets `send` write to it, and resolves when the stream closes. */
function rawCall(session: ClientHttp2Session, path: string, send: (s: http2.ClientHttp2Stream) => void, extra: Record<string, string> = {}): Promise<RawAnswer> {
  const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', ...extra }, { endStream: false });
  let headers: IncomingHttpHeaders | undefined;
  stream.on('response', (h) => (headers = h));
  stream.on('error', () => undefined);
  stream.on('data', () => undefined);
  const done = new Promise<RawAnswer>((r) => stream.on('close', () => r({ headers, rstCode: stream.rstCode ?? 0 })));
  send(stream);
  return done;
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

describe('PeerServer at the socket', () => {
  test('a message declared over the limit is refused from its frame header: RESOURCE_EXHAUSTED, never buffered', async () => {
    const provider = new FakeProvider('pkg.Svc');
    const { port } = await startPeerServer(provider);
    const header = Buffer.alloc(5);
    header.writeUInt32BE(256 * 1024 * 1024, 1);
    // The stream is never ended: the answer must not wait for 256 MiB.
    const a = await rawCall(connect(port), '/pkg.Svc/Get', (s) => s.write(Buffer.concat([header, Buffer.alloc(1024)])));
    expect(a.headers?.['grpc-status']).toBe('8');
    expect(provider.calls).toHaveLength(0);
  });

  test('a frame length that lies (more bytes than declared) is refused before the provider runs', async () => {
    const provider = new FakeProvider('pkg.Svc');
    const { port } = await startPeerServer(provider);
    const header = Buffer.alloc(5);
    header.writeUInt32BE(10, 1);
    const a = await rawCall(connect(port), '/pkg.Svc/Get', (s) => s.write(Buffer.concat([header, Buffer.alloc(1000)])));
    expect(a.headers?.['grpc-status']).toBe('13');
    expect(provider.calls).toHaveLength(0);
  });

  test('a frame length that lies (fewer bytes than declared) is refused when the body ends', async () => {
    const provider = new FakeProvider('pkg.Svc');
    const { port } = await startPeerServer(provider);
    const header = Buffer.alloc(5);
    header.writeUInt32BE(100, 1);
    const a = await rawCall(connect(port), '/pkg.Svc/Get', (s) => s.end(Buffer.concat([header, Buffer.alloc(10)])));
    expect(a.headers?.['grpc-status']).not.toBe('0');
    expect(provider.calls).toHaveLength(0);
  });

  test('a body that never ends is answered DEADLINE_EXCEEDED after bodyTimeoutMs', async () => {
    const provider = new FakeProvider('pkg.Svc');
    const { port } = await startPeerServer(provider, { bodyTimeoutMs: 150 });
    const a = await rawCall(connect(port), '/pkg.Svc/Get', (s) => s.write(Buffer.from([0, 0, 0])));
    expect(a.headers?.['grpc-status']).toBe('4');
    expect(provider.calls).toHaveLength(0);
  });

  test('a stream reset mid-upload ends its in-flight accounting', async () => {
    const provider = new FakeProvider('pkg.Svc');
    const { server, port } = await startPeerServer(provider);
    const session = connect(port);
    const stream = session.request({ ':method': 'POST', ':path': '/pkg.Svc/Get', 'content-type': 'application/grpc' }, { endStream: false });
    stream.on('error', () => undefined);
    stream.write(Buffer.from([0, 0, 0, 0, 50, 1, 2]));
    await new Promise<void>((r) => stream.once('ready', () => r()));
    stream.close(NGHTTP2_CANCEL);
    await new Promise<void>((r) => stream.once('close', () => r()));
    await server.idle();
  });

  test('calls beyond maxInFlight are refused with REFUSED_STREAM (retryable elsewhere)', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const provider = new FakeProvider('pkg.Svc', async () => (await held, { status: 0, message: '', detailsBin: undefined, metadata: {}, payload: Buffer.from('x') }));
    const { port } = await startPeerServer(provider, { maxInFlight: 1 });
    const client = new H2Client();
    cleanup.push(() => client.close());
    const headers = { ':method': 'POST', ':path': '/pkg.Svc/Get', 'content-type': 'application/grpc', te: 'trailers' };
    const first = client.call(`127.0.0.1:${port}`, headers, Buffer.from('a'), Date.now() + 10_000);
    await until(() => provider.calls.length === 1);
    const second = await client.call(`127.0.0.1:${port}`, headers, Buffer.from('b'), Date.now() + 10_000).catch((e: MeshError) => e);
    expect(second).toBeInstanceOf(MeshError);
    expect((second as MeshError).retryable).toBe(true);
    release();
    expect((await first).status).toBe(0);
  });

  test('the session advertises maxConcurrentStreams', async () => {
    const { port } = await startPeerServer(new FakeProvider('pkg.Svc'), { maxConcurrentStreams: 7 });
    const session = connect(port);
    await new Promise<void>((r) => session.once('remoteSettings', () => r()));
    expect(session.remoteSettings.maxConcurrentStreams).toBe(7);
  });

  test('metric labels a peer cannot choose: made-up methods and callers share one label', async () => {
    const { port, metrics } = await startPeerServer(new FakeProvider('pkg.Svc'));
    const session = connect(port);
    const calls: Array<Promise<RawAnswer>> = [];
    for (let i = 0; i < 40; i++) {
      calls.push(rawCall(session, `/pkg.Svc/Made${i}`, (s) => s.end(frame(Buffer.alloc(0))), { 'x-transmesh-caller': `bad caller ${i}!` }));
    }
    calls.push(rawCall(session, '/pkg.Svc/Get', (s) => s.end(frame(Buffer.alloc(0))), { 'x-transmesh-caller': 'web' }));
    await Promise.all(calls);
    const labels = metrics.samples().map((s) => `${s.caller} ${s.method}`).sort();
    expect(labels).toEqual(['(other) (unknown)', 'web Get']);
  });

  test('an idle peer session is closed by the listener after idleTimeoutMs', async () => {
    const { port } = await startPeerServer(new FakeProvider('pkg.Svc'), { idleTimeoutMs: 150 });
    const session = connect(port);
    await new Promise<void>((r) => session.once('close', () => r()));
  });

  test('drain: close() sends GOAWAY, the call in flight is answered, idle() resolves after', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const provider = new FakeProvider('pkg.Svc', async () => (await held, { status: 0, message: '', detailsBin: undefined, metadata: {}, payload: Buffer.from('late') }));
    const { server, port } = await startPeerServer(provider);
    const client = new H2Client();
    cleanup.push(() => client.close());
    const headers = { ':method': 'POST', ':path': '/pkg.Svc/Get', 'content-type': 'application/grpc', te: 'trailers' };
    const inFlight = client.call(`127.0.0.1:${port}`, headers, Buffer.from('a'), Date.now() + 10_000);
    await until(() => provider.calls.length === 1);
    const closing = Promise.all([server.close(), server.idle()]);
    release();
    const res = await inFlight;
    expect(res.status).toBe(0);
    expect(res.payload.toString()).toBe('late');
    await closing;
  });
});

/** A stand-in for the local gRPC service behind GrpcProvider: records each stream; `onStream` answers. */
async function fakeService(onStream: (s: ServerHttp2Stream, h: IncomingHttpHeaders) => void): Promise<{ port: number; server: Http2Server }> {
  const server = http2.createServer();
  server.on('stream', (s, h) => {
    s.on('error', () => undefined);
    onStream(s, h);
  });
  const sessions: http2.ServerHttp2Session[] = [];
  server.on('session', (s) => sessions.push(s));
  const port = await listen(server);
  cleanup.push(() => (sessions.forEach((s) => s.destroy()), new Promise((r) => server.close(r))));
  return { port, server };
}

describe('consumer → peer listener → GrpcProvider → service', () => {
  test('grpc-timeout and cancellation reach the provider', async () => {
    let seen: IncomingHttpHeaders | undefined;
    let serviceStream: ServerHttp2Stream | undefined;
    const closed = new Promise<void>((resolve) => {
      void fakeService((s, h) => {
        seen = h;
        serviceStream = s;
        s.on('close', () => resolve());
      }).then(async ({ port: servicePort }) => {
        const provider = new GrpcProvider('pkg.Svc', `grpc://127.0.0.1:${servicePort}`);
        cleanup.push(() => provider.close());
        const { port } = await startPeerServer(provider);
        const client = new H2Client();
        cleanup.push(() => client.close());
        const cancel = new CancelToken();
        const call = client.call(`127.0.0.1:${port}`, { ':method': 'POST', ':path': '/pkg.Svc/Get', 'content-type': 'application/grpc', te: 'trailers', 'grpc-timeout': '5000m' }, Buffer.from('hi'), Date.now() + 5000, cancel);
        call.catch(() => undefined);
        await until(() => serviceStream !== undefined);
        cancel.cancel();
        await expect(call).rejects.toMatchObject({ code: 'CANCELLED' });
      });
    });
    await closed;
    const timeout = String(seen!['grpc-timeout']);
    expect(timeout).toMatch(/^\d+m$/);
    expect(Number(timeout.slice(0, -1))).toBeLessThanOrEqual(5000);
  });
});

describe('GrpcProvider and the deadline', () => {
  test('a deadline at the timer cap is none: the service is sent no grpc-timeout; a real one is sent', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const { port } = await fakeService((s, h) => {
      seen.push(h);
      s.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      s.once('wantTrailers', () => s.sendTrailers({ 'grpc-status': '0' }));
      s.end(frame(Buffer.alloc(0)));
    });
    const provider = new GrpcProvider('pkg.Svc', `grpc://127.0.0.1:${port}`);
    cleanup.push(() => provider.close());
    const call = (deadline: number) => provider.call({ service: 'pkg.Svc', method: 'Get', caller: 'app', model: undefined, path: '/pkg.Svc/Get', headers: {}, body: frame(Buffer.alloc(0)), deadline, cancel: new CancelToken() });
    expect((await call(Date.now() + maxTimerMs)).status).toBe(0);
    expect((await call(Date.now() + 3000)).status).toBe(0);
    expect(seen.map((h) => h['grpc-timeout'])).toEqual([undefined, expect.stringMatching(/^\d+m$/)]);
  });
});

describe('H2Client at the socket', () => {
  const headers = { ':method': 'POST', ':path': '/pkg.Svc/Get', 'content-type': 'application/grpc', te: 'trailers' };

  function client(opts: Partial<ConstructorParameters<typeof H2Client>[0]> = {}): H2Client {
    const c = new H2Client({ maxMessageBytes: 4 * 1024 * 1024, pingIntervalMs: 30_000, idleTimeoutMs: 300_000, ...opts });
    cleanup.push(() => c.close());
    return c;
  }

  test('a response declared over the limit: RESOURCE_EXHAUSTED, the stream reset before the body is buffered', async () => {
    const { port } = await fakeService((s) => {
      const head = Buffer.alloc(5);
      head.writeUInt32BE(256 * 1024 * 1024, 1);
      s.respond({ ':status': 200, 'content-type': 'application/grpc' });
      s.write(Buffer.concat([head, Buffer.alloc(1024)]));
    });
    await expect(client().call(`127.0.0.1:${port}`, headers, Buffer.from('x'), Date.now() + 10_000)).rejects.toMatchObject({ code: 'RESOURCE_EXHAUSTED', retryable: false });
  });

  test('a hop-by-hop header is a non-retryable failure with nothing sent, not "never reached the peer"', async () => {
    let streams = 0;
    const { port } = await fakeService(() => streams++);
    const err = await client().call(`127.0.0.1:${port}`, { ...headers, connection: 'close' }, Buffer.from('x'), Date.now() + 10_000).catch((e: MeshError) => e);
    expect(err).toMatchObject({ retryable: false });
    expect(streams).toBe(0);
  });

  test('a call cancelled before it starts rejects CANCELLED, with no uncaught stream error', async () => {
    const { port } = await fakeService((s) => s.respond({ ':status': 200 }));
    const cancel = new CancelToken();
    cancel.cancel();
    await expect(client().call(`127.0.0.1:${port}`, headers, Buffer.from('x'), Date.now() + 10_000, cancel)).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  test('REFUSED_STREAM is retryable elsewhere', async () => {
    const { port } = await fakeService((s) => s.close(NGHTTP2_REFUSED_STREAM));
    await expect(client().call(`127.0.0.1:${port}`, headers, Buffer.from('x'), Date.now() + 10_000)).rejects.toMatchObject({ code: 'UNAVAILABLE', retryable: true });
  });

  test('GOAWAY before the stream was taken is retryable elsewhere', async () => {
    const server = http2.createServer();
    const sessions: http2.ServerHttp2Session[] = [];
    server.on('session', (session) => (sessions.push(session), session.goaway(http2.constants.NGHTTP2_NO_ERROR, 0)));
    server.on('stream', (s) => s.respond({ ':status': 200 }, { endStream: true }));
    const port = await listen(server);
    cleanup.push(() => (sessions.forEach((s) => s.destroy()), new Promise((r) => server.close(r))));
    const c = client();
    const first = await c.call(`127.0.0.1:${port}`, headers, Buffer.from('x'), Date.now() + 10_000).catch((e: MeshError) => e);
    expect(first).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
  });

  test('a peer that goes silent is found by keepalive PING, not by the call deadline', async () => {
    const { port: servicePort } = await fakeService(() => undefined);
    // A proxy that stops forwarding once asked: the peer vanished without a FIN.
    let blackhole = false;
    const sockets: net.Socket[] = [];
    const proxy = net.createServer((inbound) => {
      const out = net.connect(servicePort, '127.0.0.1');
      sockets.push(inbound, out);
      inbound.on('error', () => undefined);
      out.on('error', () => undefined);
      inbound.on('data', (d) => blackhole || out.write(d));
      out.on('data', (d) => blackhole || inbound.write(d));
    });
    const port = await listen(proxy);
    cleanup.push(() => (sockets.forEach((s) => s.destroy()), new Promise((r) => proxy.close(r))));
    const c = client({ pingIntervalMs: 100 });
    const call = c.call(`127.0.0.1:${port}`, headers, Buffer.from('x'), Date.now() + 60_000).catch((e: MeshError) => e);
    await until(() => sockets.length === 2);
    blackhole = true;
    const err = await call;
    expect(err).toMatchObject({ code: 'UNAVAILABLE' });
  });

  test('an idle session is closed after idleTimeoutMs, keepalive PINGs notwithstanding', async () => {
    const { port } = await fakeService((s) => s.respond({ ':status': 200, 'grpc-status': '0' }, { endStream: true }));
    const c = client({ idleTimeoutMs: 150, pingIntervalMs: 20 });
    await c.call(`127.0.0.1:${port}`, headers, Buffer.from('x'), Date.now() + 10_000);
    expect(c.sessionCount).toBe(1);
    await until(() => c.sessionCount === 0);
  });

  test('retain() closes sessions to peers that left the endpoints snapshot', async () => {
    const { port } = await fakeService((s) => s.respond({ ':status': 200, 'grpc-status': '0' }, { endStream: true }));
    const c = client();
    await c.call(`127.0.0.1:${port}`, headers, Buffer.from('x'), Date.now() + 10_000);
    expect(c.sessionCount).toBe(1);
    c.retain(new Set([`127.0.0.1:${port}`]));
    expect(c.sessionCount).toBe(1);
    c.retain(new Set());
    expect(c.sessionCount).toBe(0);
  });
});
