import pino from 'pino';
import * as grpc from '@grpc/grpc-js';
import { defaultLimits, Limits } from '../../src/config/sidecar-config';
import { AppListener } from '../../src/sidecar/outbound/app-listener';
import { GrpcListener, type LocalMethod, type LocalStreamMethod } from '../../src/sidecar/outbound/grpc-listener';
import { MeshError } from '../../src/errors/mesh-error';
import { HttpListener } from '../../src/sidecar/outbound/http-listener';
import type { NativeCallHandler, OutboundCall } from '../../src/sidecar/outbound/call';
import { NativeClient } from '../helpers/grpc-native-client';

/**
 * The app listener's gRPC side at the connection, with a real grpc-js client and a stub stack:
 * the limits it shares with the HTTP/1 side, cancellation, and HTTP/1 on the same port.
 */

const log = pino({ level: 'silent' });
const open: Array<{ close(): Promise<void> | void }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function start(handler: NativeCallHandler, limits: Partial<Limits> = {}, local: ReadonlyMap<string, LocalMethod | LocalStreamMethod> = new Map()) {
  const all = { ...defaultLimits, ...limits };
  const calls: OutboundCall<Buffer>[] = [];
  const app = new AppListener(
    new HttpListener(async () => ({ json: '{"ok":true}', metadata: {} }), 'app', log, all),
    new GrpcListener((c) => (calls.push(c), handler(c)), 'app', log, all, local),
    all,
  );
  const url = await app.listen('127.0.0.1', 0);
  open.push(app);
  const client = new NativeClient(new URL(url).host);
  open.push(client);
  return { url, client, calls };
}

const echo: NativeCallHandler = async (c) => ({ message: c.body, metadata: { seen: c.method } });

test('a message over the limit is RESOURCE_EXHAUSTED from its length prefix; the stack never sees it', async () => {
  const { client, calls } = await start(echo, { maxMessageBytes: 1024 });
  const small = await client.unary('/a.B/C', Buffer.alloc(1024, 1));
  expect(small.status.code).toBe(grpc.status.OK);
  expect(small.message).toEqual(Buffer.alloc(1024, 1));
  expect(small.headers?.get('seen')).toEqual(['C']);
  const big = await client.unary('/a.B/C', Buffer.alloc(64 * 1024, 1));
  expect(big.status.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  expect(big.status.details).toContain('TRANSMESH_MAX_MESSAGE_BYTES');
  expect(calls).toHaveLength(1);
});

test('calls beyond the in-flight cap are RESOURCE_EXHAUSTED; the one in flight is answered', async () => {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const { client, calls } = await start(async (c) => (await held, echo(c)), { maxInFlight: 1 });
  const first = client.unary('/a.B/C', Buffer.from('1'));
  while (calls.length === 0) await new Promise((r) => setImmediate(r));
  const second = await client.unary('/a.B/C', Buffer.from('2'));
  expect(second.status.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  release();
  expect((await first).status.code).toBe(grpc.status.OK);
});

test('a caller that cancels cancels its call', async () => {
  const { client, calls } = await start(() => new Promise(() => undefined));
  const call = client.client.makeUnaryRequest('/a.B/C', (b: Buffer) => b, (b: Buffer) => b, Buffer.from('x'), () => undefined);
  while (calls.length === 0) await new Promise((r) => setImmediate(r));
  const cancelled = new Promise<void>((r) => calls[0].cancel.set(() => r()));
  call.cancel();
  await cancelled;
  expect(calls[0].cancel.cancelled).toBe(true);
});

test('the request message is read as it came, and the caller metadata, deadline and request id reach the stack', async () => {
  const { client, calls } = await start(echo);
  const r = await client.unary('/a.B/C', Buffer.from([0, 1, 2]), { tenant: 't', 'x-request-id': 'r-1' }, 2000);
  expect(r.status.code).toBe(grpc.status.OK);
  expect(calls[0]).toMatchObject({ service: 'a.B', method: 'C', requestId: 'r-1', caller: 'app', metadata: { tenant: 't' } });
  expect(calls[0].body).toEqual(Buffer.from([0, 1, 2]));
  expect(Number(calls[0].timeoutHeader)).toBeGreaterThan(1000);
  expect(Number(calls[0].timeoutHeader)).toBeLessThanOrEqual(2000);
});

test('HTTP/1.1 callers share the port, keep-alive and all', async () => {
  const { url } = await start(echo);
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${url}/a.B/C`, { method: 'POST', body: 'x'.repeat(100_000) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  }
});

describe('methods the sidecar answers itself', () => {
  const local = new Map<string, LocalMethod | LocalStreamMethod>([
    ['/x.Local/Unary', (m, out) => {
      if (m.length === 0) throw new MeshError('NOT_FOUND', 'nothing asked');
      out.send(Buffer.concat([m, m]));
      out.end();
    }],
    ['/x.Local/Bidi', { streaming: true, open: (out) => (m) => out.send(Buffer.from(m.toString().toUpperCase())) }],
  ]);

  test('unary: the answer, or the MeshError thrown as the status; the stack never sees them', async () => {
    const { client, calls } = await start(echo, {}, local);
    const ok = await client.unary('/x.Local/Unary', Buffer.from('ab'));
    expect(ok.message).toEqual(Buffer.from('abab'));
    const failed = await client.unary('/x.Local/Unary', Buffer.alloc(0));
    expect(failed.status.code).toBe(grpc.status.NOT_FOUND);
    expect(calls).toHaveLength(0);
  });

  test('bidi: one answer per message as it arrives, OK at the half-close; a message over the limit ends it RESOURCE_EXHAUSTED', async () => {
    const { client } = await start(echo, { maxMessageBytes: 16 }, local);
    const bidi = () => {
      const stream = client.client.makeBidiStreamRequest('/x.Local/Bidi', (b: Buffer) => b, (b: Buffer) => b);
      const got: string[] = [];
      stream.on('data', (m: Buffer) => got.push(m.toString()));
      stream.on('error', () => undefined);
      const status = new Promise<grpc.StatusObject>((resolve) => stream.on('status', resolve));
      return { stream, got, status };
    };
    const a = bidi();
    a.stream.write(Buffer.from('one'));
    a.stream.write(Buffer.from('two'));
    a.stream.end();
    expect((await a.status).code).toBe(grpc.status.OK);
    expect(a.got).toEqual(['ONE', 'TWO']);
    const b = bidi();
    b.stream.write(Buffer.from('ok'));
    b.stream.write(Buffer.alloc(17, 0x61));
    const status = await b.status;
    expect(status.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(status.details).toContain('TRANSMESH_MAX_MESSAGE_BYTES');
    expect(b.got).toEqual(['OK']);
  });
});

test('metadata the service sent as trailers goes back as trailers, the rest as headers', async () => {
  const { client } = await start(async (c) => ({ message: c.body, metadata: { 'x-head': 'h', 'x-tail': 't' }, trailerKeys: ['x-tail'] }));
  const r = await client.unary('/a.B/C', Buffer.from('x'));
  expect(r.status.code).toBe(grpc.status.OK);
  expect(r.headers?.get('x-head')).toEqual(['h']);
  expect(r.headers?.get('x-tail')).toEqual([]);
  expect(r.status.metadata.get('x-tail')).toEqual(['t']);
});
