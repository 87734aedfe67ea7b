import net from 'node:net';
import pino from 'pino';
import { defaultLimits, Limits } from '../../src/config/sidecar-config';
import { HttpListener } from '../../src/sidecar/outbound/http-listener';
import type { CallHandler, OutboundCall, OutboundReply } from '../../src/sidecar/outbound/call';
import { exhausted, MeshError } from '../../src/errors/mesh-error';

/**
 * The app-facing listener at the socket: what a hostile or broken client sends is written as
 * raw bytes, and the test reads what comes back until the connection ends.
 */

const log = pino({ level: 'silent' });

interface Started {
  listener: HttpListener;
  port: number;
  calls: OutboundCall[];
}

const open: HttpListener[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((l) => l.close()));
});

async function start(handler: CallHandler = async () => ({ json: '{"ok":true}', metadata: {} }), limits: Partial<Limits> = {}): Promise<Started> {
  const calls: OutboundCall[] = [];
  const listener = new HttpListener((c) => (calls.push(c), handler(c)), 'app', log, { ...defaultLimits, ...limits });
  open.push(listener);
  const url = await listener.listen('127.0.0.1', 0);
  return { listener, port: Number(new URL(url).port), calls };
}

/** Sends raw bytes; resolves with everything received once the server ends the connection. */
function exchange(port: number, ...parts: Array<string | Buffer>): { socket: net.Socket; reply: Promise<string> } {
  const socket = net.connect(port, '127.0.0.1');
  const reply = new Promise<string>((resolve) => {
    const got: Buffer[] = [];
    socket.on('data', (d) => got.push(d));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(Buffer.concat(got).toString('latin1')));
  });
  for (const p of parts) socket.write(p);
  return { socket, reply };
}

function post(path: string, body: string | Buffer, headers: Record<string, string> = {}): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  const lines = [`POST ${path} HTTP/1.1`, 'host: x', `content-length: ${b.length}`, 'connection: close', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n'), b]);
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

function statusOf(reply: string): number {
  return Number(/^HTTP\/1\.1 (\d+)/.exec(reply)?.[1]);
}

describe('HttpListener at the socket', () => {
  test('a quota or rate-limit refusal: 429 with retry-after in whole seconds; other errors have none', async () => {
    const { port } = await start(async (c) => {
      throw c.method === 'Get' ? exhausted('quota of app on pkg.Svc exhausted: 3 per minute', 42) : new MeshError('RESOURCE_EXHAUSTED', 'too many in flight');
    });
    const text = await exchange(port, post('/pkg.Svc/Get', '{}')).reply;
    expect(statusOf(text)).toBe(429);
    expect(text.toLowerCase()).toContain('retry-after: 42\r\n');
    expect(text).toContain('"message":"quota of app on pkg.Svc exhausted: 3 per minute"');
    const other = await exchange(port, post('/pkg.Svc/Put', '{}')).reply;
    expect(statusOf(other)).toBe(429);
    expect(other.toLowerCase()).not.toContain('retry-after');
  });

  test('a body declared over the limit: 413 and the connection closed, the rest never read', async () => {
    const { port, calls } = await start();
    const head = `POST /pkg.Svc/Get HTTP/1.1\r\nhost: x\r\ncontent-length: ${64 * 1024 * 1024}\r\n\r\n`;
    const { reply } = exchange(port, head, Buffer.alloc(1024, 0x20));
    const text = await reply;
    expect(statusOf(text)).toBe(413);
    expect(text).toContain('"code":"RESOURCE_EXHAUSTED"');
    expect(text.toLowerCase()).toContain('connection: close');
    expect(calls).toHaveLength(0);
  });

  test('Expect: 100-continue with a body over the limit: 413 at once, no 100 Continue', async () => {
    const { port, calls } = await start(undefined, { maxMessageBytes: 1000 });
    const text = await exchange(port, 'POST /pkg.Svc/Get HTTP/1.1\r\nhost: x\r\ncontent-length: 5000\r\nexpect: 100-continue\r\n\r\n').reply;
    expect(statusOf(text)).toBe(413);
    expect(text).not.toContain('100 Continue');
    expect(calls).toHaveLength(0);
  });

  test('Expect: 100-continue within the limit: 100 Continue, then the answer', async () => {
    const { port } = await start();
    const { socket, reply } = exchange(port, 'POST /pkg.Svc/Get HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\nconnection: close\r\nexpect: 100-continue\r\n\r\n');
    socket.once('data', () => socket.write('{}'));
    const text = await reply;
    expect(text).toMatch(/^HTTP\/1\.1 100 Continue/);
    expect(text).toContain('HTTP/1.1 200');
  });

  test('a chunked body that grows over the limit: 413 and closed while it is still coming', async () => {
    const { port, calls } = await start(undefined, { maxMessageBytes: 1000 });
    const head = 'POST /pkg.Svc/Get HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n';
    const chunk = `400\r\n${' '.repeat(0x400)}\r\n`;
    // Never finished: the server must answer without waiting for the end.
    const { reply } = exchange(port, head, chunk, chunk);
    const text = await reply;
    expect(statusOf(text)).toBe(413);
    expect(calls).toHaveLength(0);
  });

  test('an aborted upload ends its in-flight accounting: close() does not wait for it', async () => {
    const { listener, port } = await start();
    const { socket } = exchange(port, 'POST /pkg.Svc/Get HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\n{"a":');
    await until(() => listener.callsInFlight === 1);
    socket.destroy();
    await listener.close();
  });

  test('a body that never finishes is answered 408 (JSON, DEADLINE_EXCEEDED) after bodyTimeoutMs', async () => {
    const { port, calls } = await start(undefined, { bodyTimeoutMs: 200 });
    const { reply } = exchange(port, 'POST /pkg.Svc/Get HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{"a":');
    const text = await reply;
    expect(statusOf(text)).toBe(408);
    expect(text).toContain('"code":"DEADLINE_EXCEEDED"');
    expect(calls).toHaveLength(0);
  });

  test.each(['connection', 'te', 'transfer-encoding', 'upgrade', 'keep-alive', 'proxy-connection', 'host', 'grpc-timeout', 'grpc-status', 'x-transmesh-caller', 'content-type'])(
    'grpc-metadata-%s is refused INVALID_ARGUMENT before anything is sent',
    async (name) => {
      const { port, calls } = await start();
      const text = await exchange(port, post('/pkg.Svc/Get', '{}', { [`grpc-metadata-${name}`]: 'close' })).reply;
      expect(statusOf(text)).toBe(400);
      expect(text).toContain('"code":"INVALID_ARGUMENT"');
      expect(calls).toHaveLength(0);
    },
  );

  test('ordinary metadata still goes through', async () => {
    const { port, calls } = await start();
    const text = await exchange(port, post('/pkg.Svc/Get', '{}', { 'grpc-metadata-tenant': 'a' })).reply;
    expect(statusOf(text)).toBe(200);
    expect(calls[0].metadata).toEqual({ tenant: 'a' });
  });

  test('invalid UTF-8 in the body is INVALID_ARGUMENT, never U+FFFD sent on', async () => {
    const { port, calls } = await start();
    const text = await exchange(port, post('/pkg.Svc/Get', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]))).reply;
    expect(statusOf(text)).toBe(400);
    expect(text).toContain('not valid UTF-8');
    expect(calls).toHaveLength(0);
  });

  test('calls beyond maxInFlight are refused RESOURCE_EXHAUSTED; the one in flight is answered', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const { port, calls } = await start(async () => (await held, { json: '{}', metadata: {} }), { maxInFlight: 1 });
    const first = exchange(port, post('/pkg.Svc/Get', '{}'));
    await until(() => calls.length === 1);
    const second = await exchange(port, post('/pkg.Svc/Get', '{}')).reply;
    expect(statusOf(second)).toBe(429);
    release();
    expect(statusOf(await first.reply)).toBe(200);
  });

  test('the caller going away cancels the call', async () => {
    let cancelled!: () => void;
    const seen = new Promise<void>((r) => (cancelled = r));
    const { port, calls } = await start((c) => {
      c.cancel.set(cancelled);
      return new Promise<OutboundReply>(() => undefined);
    });
    const { socket } = exchange(port, post('/pkg.Svc/Get', '{}'));
    await until(() => calls.length === 1);
    socket.destroy();
    await seen;
  });

  test('drain: close() waits for the call in flight, which is answered', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const { listener, port, calls } = await start(async () => (await held, { json: '{"done":1}', metadata: {} }));
    const first = exchange(port, post('/pkg.Svc/Get', '{}'));
    await until(() => calls.length === 1);
    let closed = false;
    const closing = listener.close().then(() => (closed = true));
    await new Promise((r) => setImmediate(r));
    expect(closed).toBe(false);
    release();
    const text = await first.reply;
    expect(statusOf(text)).toBe(200);
    expect(text).toContain('{"done":1}');
    await closing;
    open.length = 0;
  });
});
