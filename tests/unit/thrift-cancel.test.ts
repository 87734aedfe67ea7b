import { ThriftUpstream } from '../../adapters/thrift/transport';
import { ThriftProvider } from '../../adapters/thrift/thrift-provider';
import type { InboundCall } from '../../src/protocol/provider';
import type { ThriftMethod } from '../../adapters/thrift/thrift-model';
import { frame } from '../../src/transport/grpc/grpc-frame';
import { CancelToken } from '../../src/timing/cancel-token';
import { shopService, thriftMethod } from '../helpers/thrift-fixtures';
import { startThriftTestServer, ThriftTestServer } from '../helpers/thrift-test-server';

/**
 * A call the consumer gives up on must not hold its pooled connection until the Thrift service
 * answers: `sleep` on the real Apache Thrift server stands for a service that does not answer.
 */
const svc = shopService();
const sleep = thriftMethod(svc, 'sleep');
const echo = thriftMethod(svc, 'echo');
const never = () => Date.now() + 60_000;

let server: ThriftTestServer;
beforeAll(async () => {
  server = await startThriftTestServer();
});
afterAll(() => server.close());

test('ThriftUpstream: a cancelled call rejects CANCELLED and its connection is closed, not reused', async () => {
  const upstream = new ThriftUpstream(server.url, { maxConnections: 1 });
  try {
    const cancel = new CancelToken();
    const hung = upstream.call('sleep', false, sleep.encodeArgs({ ms: 60_000 }, 'binary'), never(), cancel);
    const rejected = hung.catch((err: unknown) => err);
    cancel.cancel();
    expect(await rejected).toMatchObject({ code: 'CANCELLED' });
    // The sleep's reply is still owed on that connection: it is gone, and the slot is free.
    expect(upstream.connectionCount).toBe(0);
    const reply = await upstream.call('echo', false, echo.encodeArgs({ text: 'next' }, 'binary'), never());
    expect(echo.decodeResult(reply.body, 'binary', { int64AsNumber: false })).toBe('"next"');
    // A token already cancelled sends nothing.
    const late = new CancelToken();
    late.cancel();
    await expect(upstream.call('echo', false, echo.encodeArgs({ text: 'x' }, 'binary'), never(), late)).rejects.toMatchObject({ code: 'CANCELLED' });
  } finally {
    upstream.close();
  }
});

test('ThriftUpstream: a call waiting for a busy pool leaves the queue when cancelled', async () => {
  const upstream = new ThriftUpstream(server.url, { maxConnections: 1 });
  try {
    const first = new CancelToken();
    const hung = upstream.call('sleep', false, sleep.encodeArgs({ ms: 60_000 }, 'binary'), never(), first).catch((err: unknown) => err);
    const waiting = new CancelToken();
    const queued = upstream.call('echo', false, echo.encodeArgs({ text: 'queued' }, 'binary'), never(), waiting).catch((err: unknown) => err);
    waiting.cancel();
    expect(await queued).toMatchObject({ code: 'CANCELLED' });
    first.cancel();
    expect(await hung).toMatchObject({ code: 'CANCELLED' });
    const reply = await upstream.call('echo', false, echo.encodeArgs({ text: 'after' }, 'binary'), never());
    expect(echo.decodeResult(reply.body, 'binary', { int64AsNumber: false })).toBe('"after"');
  } finally {
    upstream.close();
  }
});

function inbound(model: ThriftMethod, args: Buffer, cancel: CancelToken): InboundCall {
  return { caller: 'app', service: svc.name, method: model.name, model, path: `/${svc.name}/${model.name}`, headers: {}, body: frame(args), deadline: never(), cancel };
}

test('ThriftProvider: cancelled calls give back the whole pool at once', async () => {
  const provider = new ThriftProvider(svc.name, server.url);
  try {
    // More hung calls than the pool holds (16): before the fix every slot stayed busy for the deadline.
    const tokens = Array.from({ length: 20 }, () => new CancelToken());
    const hung = tokens.map((t) => provider.call(inbound(sleep, sleep.encodeArgs({ ms: 60_000 }, 'binary'), t)));
    for (const t of tokens) t.cancel();
    for (const reply of await Promise.all(hung)) expect(reply.status).toBe(1);
    const reply = await provider.call(inbound(echo, echo.encodeArgs({ text: 'free' }, 'binary'), new CancelToken()));
    expect(reply.status).toBe(0);
    expect(echo.decodeResult(Buffer.from(reply.payload!), 'binary', { int64AsNumber: false })).toBe('"free"');
  } finally {
    provider.close();
  }
});
