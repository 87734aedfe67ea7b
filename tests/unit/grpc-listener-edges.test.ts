import pino from 'pino';
import * as grpc from '@grpc/grpc-js';
import { defaultLimits, Limits } from '../../src/config/sidecar-config';
import { AppListener } from '../../src/sidecar/outbound/app-listener';
import { GrpcListener } from '../../src/sidecar/outbound/grpc-listener';
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

async function start(handler: NativeCallHandler, limits: Partial<Limits> = {}) {
  const all = { ...defaultLimits, ...limits };
  const calls: OutboundCall<Buffer>[] = [];
  const app = new AppListener(
    new HttpListener(async () => ({ json: '{"ok":true}', metadata: {} }), 'app', log, all),
    new GrpcListener((c) => (calls.push(c), handler(c)), 'app', log, all),
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
