import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { once } from 'node:events';
import { ThriftUpstream } from '../../adapters/thrift/transport';
import { encodeEnvelope, MessageType } from '../../adapters/thrift/transport/envelope';
import { applicationExceptionToError } from '../../adapters/thrift/codec/application-exception';
import { MeshError } from '../../src/errors/mesh-error';
import type { ThriftProtocolName } from '../../adapters/thrift/thrift-model';
import type { JsonValue } from '../../src/json/json-value';
import { shopService, thriftMethod } from '../helpers/thrift-fixtures';
import { startThriftTestServer, ThriftTestServer } from '../helpers/thrift-test-server';

const svc = shopService();
const MAX = '9223372036854775807';
const soon = () => Date.now() + 5000;

async function rejection(p: Promise<unknown>): Promise<MeshError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(MeshError);
    return err as MeshError;
  }
  throw new Error('expected a rejection');
}

const configs: ['framed' | 'buffered', ThriftProtocolName][] = [
  ['framed', 'binary'],
  ['buffered', 'binary'],
  ['framed', 'compact'],
  ['buffered', 'compact'],
];

describe.each(configs)('against Apache Thrift Node server, %s %s', (transport, protocol) => {
  let server: ThriftTestServer;
  let upstream: ThriftUpstream;

  beforeAll(async () => {
    server = await startThriftTestServer({ transport, protocol });
    upstream = new ThriftUpstream(server.url, { maxConnections: 4 });
    expect(upstream.url).toMatchObject({ transport, protocol });
  });
  afterAll(async () => {
    upstream.close();
    await server.close();
  });

  /** One call the way the provider sidecar makes it, decoded the way the consumer does. */
  async function call(name: string, args: JsonValue, int64AsNumber = false): Promise<string> {
    const m = thriftMethod(svc, name);
    const reply = await upstream.call(name, m.oneway, m.encodeArgs(args, protocol), soon());
    if (reply.kind === 'exception') throw applicationExceptionToError(reply.body, protocol);
    return m.oneway ? '{}' : m.decodeResult(reply.body, protocol, { int64AsNumber });
  }

  test('a struct reply, every field through the server and back', async () => {
    const item = {
      id: MAX,
      name: 'thing \u2603',
      price: { units: '-9223372036854775808', nanos: 5, currency: 'USD' },
      tags: ['a', 'b'],
      color: 'GREEN',
      active: true,
      small: -1,
      medium: 300,
      count: -70000,
      weight: 0.1,
      blob: 'AAEC/w==',
      codes: [3, 1],
      counters: { a: '12345678901234567' },
      byNumber: { '-1': 'minus one' },
      byColor: { BLUE: 2.5 },
      grid: [[1], []],
      choice: { number: '-5' },
      children: [{ id: '1', name: 'kid' }],
    };
    expect(JSON.parse(await call('put', { item }))).toEqual(item);
    expect(JSON.parse(await call('get', { id: MAX }))).toEqual(item);
    expect(await call('get', { id: MAX }, true)).toContain(`"id":${MAX}`);
  });

  test('primitive, enum, binary, map and list replies', async () => {
    expect(await call('echo', { text: 'hi "there"' })).toBe('"hi \\"there\\""');
    expect(await call('half', { value: 5 })).toBe('2.5');
    expect(await call('reverse', { data: 'AQID' })).toBe('"AwIB"');
    expect(await call('nextColor', { color: 'GREEN' })).toBe('"BLUE"');
    expect(JSON.parse(await call('count', {}))).toMatch(/^\d+$/);
    expect(JSON.parse(await call('prices', { ids: ['7'] }))).toEqual({ '7': { units: '7', nanos: 0, currency: 'EUR' } });
    expect(await call('ping', { text: 'x' })).toBe('"pong: x"');
  });

  test('a void method', async () => {
    await call('put', { item: { id: '77', name: 'gone soon' } });
    expect(await call('remove', { id: '77' })).toBe('{}');
  });

  test('a oneway method resolves once written, and the server gets it', async () => {
    const got = server.nextTouch();
    expect(await call('touch', { id: '-42' })).toBe('{}');
    expect(await got).toBe(-42n);
  });

  test('declared exceptions, with and without transmesh.code', async () => {
    const nf = await rejection(call('remove', { id: '123' }));
    expect(nf.code).toBe('NOT_FOUND');
    expect(nf.message).toBe('item 123 not found');
    expect(nf.extra).toEqual({ thrift: { exception: 'common.NotFound', value: { message: 'item 123 not found', id: '123' } } });
    const inv = await rejection(call('get', { id: '-1' }));
    expect(inv.code).toBe('UNKNOWN');
    expect(inv.message).toBe('shop.Invalid');
    expect(inv.extra).toEqual({ thrift: { exception: 'shop.Invalid', value: { reason: 'negative id' } } });
  });

  test('an unknown method is a TApplicationException: UNIMPLEMENTED', async () => {
    const reply = await upstream.call('noSuchMethod', false, Buffer.from([0]), soon());
    expect(reply.kind).toBe('exception');
    const err = applicationExceptionToError(reply.body, protocol);
    expect(err.code).toBe('UNIMPLEMENTED');
    expect(err.message).toBe('Unknown function noSuchMethod');
    expect(err.extra).toEqual({ thrift: { exception: 'TApplicationException', value: { message: err.message, type: 'UNKNOWN_METHOD' } } });
  });

  test('concurrent calls share a bounded pool', async () => {
    const texts = Array.from({ length: 25 }, (_, i) => `t${i}`);
    const out = await Promise.all(texts.map((text) => call('echo', { text })));
    expect(out).toEqual(texts.map((t) => `"${t}"`));
    expect(upstream.connectionCount).toBeLessThanOrEqual(4);
    expect(upstream.connectionCount).toBeGreaterThan(0);
  });
});

describe('failures never hang', () => {
  const servers: Server[] = [];
  const upstreams: ThriftUpstream[] = [];
  afterEach(async () => {
    for (const u of upstreams.splice(0)) u.close();
    for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  });

  /** A raw TCP server with the given behaviour, on a free loopback port. */
  async function rawServer(onData: (socket: Socket, data: Buffer) => void): Promise<string> {
    const sockets = new Set<Socket>();
    const s = createServer((socket) => {
      sockets.add(socket);
      socket.on('data', (d) => onData(socket, d));
      socket.on('error', () => {});
    });
    s.on('close', () => sockets.forEach((x) => x.destroy()));
    const close = s.close.bind(s);
    s.close = ((cb?: (err?: Error) => void) => {
      sockets.forEach((x) => x.destroy());
      return close(cb);
    }) as typeof s.close;
    s.listen(0, '127.0.0.1');
    await once(s, 'listening');
    servers.push(s);
    return `thrift://127.0.0.1:${(s.address() as AddressInfo).port}`;
  }

  function upstream(url: string, maxConnections = 4): ThriftUpstream {
    const u = new ThriftUpstream(url, { maxConnections });
    upstreams.push(u);
    return u;
  }

  const args = () => thriftMethod(svc, 'echo').encodeArgs({ text: 'x' }, 'binary');

  test('connection refused is UNAVAILABLE', async () => {
    const s = createServer();
    s.listen(0, '127.0.0.1');
    await once(s, 'listening');
    const port = (s.address() as AddressInfo).port;
    await new Promise((r) => s.close(r));
    const err = await rejection(upstream(`thrift://127.0.0.1:${port}`).call('echo', false, args(), soon()));
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toMatch(/^cannot connect to thrift:\/\/127\.0\.0\.1:\d+: ECONNREFUSED$/);
    expect(err.retryable).toBe(true);
  });

  test('a server that closes the connection mid-call is UNAVAILABLE', async () => {
    const url = await rawServer((socket) => socket.destroy());
    const u = upstream(url);
    const err = await rejection(u.call('echo', false, args(), soon()));
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.retryable).toBe(false);
    expect(u.connectionCount).toBe(0);
  });

  test('a server that never replies is DEADLINE_EXCEEDED, and the connection is dropped', async () => {
    const url = await rawServer(() => {});
    const u = upstream(url);
    const started = Date.now();
    const err = await rejection(u.call('echo', false, args(), Date.now() + 100));
    expect(err.code).toBe('DEADLINE_EXCEEDED');
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(u.connectionCount).toBe(0);
  });

  test('a call waiting for a busy pool also ends at its deadline', async () => {
    const url = await rawServer(() => {});
    const u = upstream(url, 1);
    const first = rejection(u.call('echo', false, args(), Date.now() + 5000));
    const second = await rejection(u.call('echo', false, args(), Date.now() + 50));
    expect(second.code).toBe('DEADLINE_EXCEEDED');
    u.close();
    expect((await first).code).toBe('UNAVAILABLE');
  });

  test('a deadline already passed fails at once', async () => {
    const url = await rawServer(() => {});
    const err = await rejection(upstream(url).call('echo', false, args(), Date.now() - 1));
    expect(err.code).toBe('DEADLINE_EXCEEDED');
  });

  test('a reply with the wrong seqid is INTERNAL', async () => {
    const url = await rawServer((socket) => {
      const body = Buffer.concat([encodeEnvelope('binary', 'echo', MessageType.REPLY, 999), Buffer.from([0])]);
      const len = Buffer.alloc(4);
      len.writeUInt32BE(body.length);
      socket.write(Buffer.concat([len, body]));
    });
    const err = await rejection(upstream(url).call('echo', false, args(), soon()));
    expect(err.code).toBe('INTERNAL');
    expect(err.message).toMatch(/seqid/);
  });

  test('a buffered reply arriving a byte at a time is put together', async () => {
    const url = await rawServer((socket, data) => {
      const seqid = data.readInt32BE(4 + 4 + 'echo'.length);
      const result = Buffer.from('0b0000000000026f6b00', 'hex'); // field 0: string "ok"
      const reply = Buffer.concat([encodeEnvelope('binary', 'echo', MessageType.REPLY, seqid), result]);
      let i = 0;
      const next = () => {
        if (i < reply.length) socket.write(reply.subarray(i, ++i), () => setImmediate(next));
      };
      next();
    });
    const u = upstream(`${url}?transport=buffered`);
    const reply = await u.call('echo', false, args(), soon());
    expect(reply.kind).toBe('reply');
    expect(thriftMethod(svc, 'echo').decodeResult(reply.body, 'binary', { int64AsNumber: false })).toBe('"ok"');
    expect(u.connectionCount).toBe(1);
  });

  test('a closed upstream refuses calls', async () => {
    const url = await rawServer(() => {});
    const u = upstream(url);
    u.close();
    expect((await rejection(u.call('echo', false, args(), soon()))).code).toBe('UNAVAILABLE');
  });
});
