import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, runCli } from '../helpers/processes';
import { call, Mesh, startMesh, startSidecar } from '../helpers/mesh';
import { startThriftTestServer, ThriftTestServer } from '../helpers/thrift-test-server';

jest.setTimeout(60000);

const fixtures = join(repoRoot, 'tests', 'fixtures', 'thrift');
const svc = 'shop.Catalog';

/**
 * Thrift through the mesh with real processes: JSON on the consumer sidecar, the argument
 * struct across the peer hop, the provider sidecar writing framed/buffered binary/compact to
 * Apache Thrift's Node server (tests/fixtures/thrift/test-server.js).
 */
describe('Thrift through the mesh', () => {
  let mesh: Mesh;
  let server: ThriftTestServer;
  let nats: Mesh['nats'], provider: Mesh['provider'], consumer: Mesh['consumer'];

  beforeAll(async () => {
    server = await startThriftTestServer();
    mesh = await startMesh({ service: svc, idl: [join(fixtures, 'shop.thrift')], upstream: server.url, providerApp: 'shop' });
    ({ nats, provider, consumer } = mesh);
  });

  afterAll(async () => {
    await mesh?.stop();
    await server?.close();
  });

  // Struct-, bool- and i64-keyed maps are left out here: Apache's Node server mangles them (its
  // objects key by string); the codec unit tests cover them byte for byte, the Java demo end to end.
  const item = {
    id: 9223372036854775807n,
    name: 'lamp',
    price: { units: '-9223372036854775808', nanos: 5, currency: 'USD' },
    tags: ['a', 'b'],
    color: 'BLUE',
    active: true,
    small: -128,
    medium: -32768,
    count: 2147483647,
    weight: 1.5,
    blob: Buffer.from([0, 1, 254, 255]).toString('base64'),
    codes: [3, 1],
    counters: { hits: 12 },
    byNumber: { '-1': 'minus one', '7': 'seven' },
    byColor: { RED: 0.5, GREEN: 2 },
    grid: [[1, 2], [], [3]],
    choice: { money: { units: 1, currency: 'EUR' } },
    children: [{ id: 2, name: 'bulb' }],
  };
  const itemJson = JSON.stringify({ item }, (_k, v) => (typeof v === 'bigint' ? `@@${v}@@` : v)).replace(/"@@(-?\d+)@@"/g, '$1');

  test('every type crosses the mesh and comes back exact', async () => {
    const put = await call(consumer.url, `/${svc}/put`, itemJson);
    expect(put.status).toBe(200);
    const got = await call(consumer.url, `/${svc}/get`, { id: '9223372036854775807' });
    expect(got.status).toBe(200);
    expect(got.body).toEqual({
      ...item,
      id: '9223372036854775807',
      price: { units: '-9223372036854775808', nanos: 5, currency: 'USD' },
      counters: { hits: '12' },
      choice: { money: { units: '1', currency: 'EUR' } },
      children: [{ id: '2', name: 'bulb' }],
    });
    const asNumbers = await call(consumer.url, `/${svc}/get`, { id: 9223372036854775807n.toString() }, { 'x-transmesh-int64': 'number' });
    expect(asNumbers.text).toContain('"id":9223372036854775807');
    expect(asNumbers.text).toContain('"units":-9223372036854775808');
  });

  test('primitive results are bare JSON values; an inherited method works', async () => {
    expect((await call(consumer.url, `/${svc}/echo`, { text: 'hé' })).text).toBe('"hé"');
    expect((await call(consumer.url, `/${svc}/half`, { value: 3 })).text).toBe('1.5');
    expect((await call(consumer.url, `/${svc}/nextColor`, { color: 'GREEN' })).text).toBe('"BLUE"');
    expect((await call(consumer.url, `/${svc}/count`, {})).text).toMatch(/^"\d+"$/);
    expect((await call(consumer.url, `/${svc}/count`, {}, { 'x-transmesh-int64': 'number' })).text).toMatch(/^\d+$/);
    expect((await call(consumer.url, `/${svc}/ping`, { text: 'x' })).body).toBe('pong: x');
  });

  test('declared exceptions: the annotated code, or UNKNOWN, with the exception as JSON', async () => {
    const nf = await call(consumer.url, `/${svc}/get`, { id: 404 });
    expect(nf.status).toBe(404);
    expect(nf.body.error).toMatchObject({ code: 'NOT_FOUND', thrift: { exception: 'common.NotFound', value: { message: 'item 404 not found', id: '404' } } });
    const nfNumbers = await call(consumer.url, `/${svc}/get`, { id: 404 }, { 'x-transmesh-int64': 'number' });
    expect(nfNumbers.text).toContain('"value":{"message":"item 404 not found","id":404}');
    const inv = await call(consumer.url, `/${svc}/get`, { id: -1 });
    expect(inv.status).toBe(500);
    expect(inv.body.error).toMatchObject({ code: 'UNKNOWN', thrift: { exception: 'shop.Invalid', value: { reason: 'negative id' } } });
  });

  test('void answers {}, oneway answers {} once sent and reaches the server', async () => {
    await call(consumer.url, `/${svc}/put`, { item: { id: 77, name: 'x' } });
    const removed = await call(consumer.url, `/${svc}/remove`, { id: 77 });
    expect(removed.status).toBe(200);
    expect(removed.text).toBe('{}');
    const touched = server.nextTouch();
    const oneway = await call(consumer.url, `/${svc}/touch`, { id: '123456789012345678' });
    expect(oneway.text).toBe('{}');
    expect(await touched).toBe(123456789012345678n);
  });

  test('bad input is INVALID_ARGUMENT with its path; deadlines hold', async () => {
    const missing = await call(consumer.url, `/${svc}/put`, { item: { id: 1 } });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toContain('item.name');
    const bad = await call(consumer.url, `/${svc}/put`, { item: { id: 1, name: 'n', small: 128 } });
    expect(bad.body.error.message).toContain('item.small');
    const twoMembers = await call(consumer.url, `/${svc}/put`, { item: { id: 1, name: 'n', choice: { text: 'a', number: 1 } } });
    expect(twoMembers.body.error.message).toContain('item.choice');
    const slow = await call(consumer.url, `/${svc}/sleep`, { ms: 5000 }, { 'x-transmesh-timeout-ms': '200' });
    expect(slow.status).toBe(504);
    expect(slow.body.error.code).toBe('DEADLINE_EXCEEDED');
  });

  test('a live IDL update; the provider answers an unknown method with UNIMPLEMENTED', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'transmesh-thrift-'));
    writeFileSync(join(dir, 'common.thrift'), readFileSync(join(fixtures, 'common.thrift')));
    writeFileSync(join(dir, 'shop.thrift'), readFileSync(join(fixtures, 'shop.thrift'), 'utf8').replace('void sleep(1: i32 ms)', 'void sleep(1: i32 ms),\n  string shout(1: string text)'));
    expect((await call(consumer.url, `/${svc}/shout`, { text: 'a' })).status).toBe(404);
    const push = await runCli(['idl', 'push', join(dir, 'shop.thrift'), '--nats', nats.url]);
    const version = Number(/version (\d+)/.exec(push.stdout)![1]);
    await consumer.proc.waitFor((l) => l.msg === 'idl snapshot loaded' && l.services[svc] === version, 'the new version');
    const res = await call(consumer.url, `/${svc}/shout`, { text: 'a' });
    expect(res.status).toBe(501);
    expect(res.body.error.code).toBe('UNIMPLEMENTED');
  });

  test('a killed provider gives UNAVAILABLE; another one (buffered, compact) takes over', async () => {
    await provider.proc.stop('SIGKILL');
    const res = await call(consumer.url, `/${svc}/echo`, { text: 'dead' });
    expect(res.status).toBe(503);
    const compact = await startThriftTestServer({ transport: 'buffered', protocol: 'compact' });
    const provider2 = await startSidecar(nats.url, 'shop2', [`${svc}=${compact.url}`]);
    try {
      await consumer.proc.waitFor((l) => l.msg === 'endpoints snapshot' && l.endpoints.length === 1 && l.endpoints[0].startsWith('shop2'), 'the new provider alone');
      expect((await call(consumer.url, `/${svc}/echo`, { text: 'compact' })).body).toBe('compact');
      expect((await call(consumer.url, `/${svc}/put`, itemJson)).status).toBe(200);
      const got = await call(consumer.url, `/${svc}/get`, { id: '9223372036854775807' });
      expect(got.body.byColor).toEqual({ RED: 0.5, GREEN: 2 });
    } finally {
      await provider2.proc.stop();
      await compact.close();
    }
  });
});
