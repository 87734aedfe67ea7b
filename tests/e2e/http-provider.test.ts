import { join } from 'node:path';
import { freePort, Proc, spawnProc } from '../../src/dev/processes';
import { repoRoot } from '../helpers/processes';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { call, Mesh, startMesh } from '../helpers/mesh';
import { startPhpFpm } from '../helpers/php-fpm';
import { NativeClient } from '../helpers/grpc-native-client';

jest.setTimeout(60000);

const idl = join(repoRoot, 'idl');
const skip = process.env.TRANSMESH_SKIP_EXAMPLES === '1';

/**
 * A PHP application as a provider (examples-php/provider.php under PHP's built-in server) behind
 * `--provide SVC=http://…`, for a .proto and a .thrift service: JSON callers reach it through two
 * sidecars, answers are checked against the IDL, errors and declared exceptions come back as
 * from a native provider.
 */
(skip ? describe.skip : describe)('providers that speak HTTP/JSON', () => {
  let mesh: Mesh;
  let php: Proc;
  let phpPort: number;

  beforeAll(async () => {
    phpPort = await freePort();
    php = spawnProc('php', 'php', ['-S', `127.0.0.1:${phpPort}`, join(repoRoot, 'examples-php', 'provider.php')]);
    await php.waitFor((_l, text) => text.includes('Development Server') && text.includes('started'), 'php -S listening');
    mesh = await startMesh({
      service: 'acme.users.v1.UserService',
      idl: [join(idl, 'acme', 'users', 'v1', 'users.proto'), join(idl, 'orders.thrift'), '-I', idl],
      upstream: `http://127.0.0.1:${phpPort}?int64=number`,
      alsoProvide: [`orders.OrderService=http://127.0.0.1:${phpPort}?int64=number`],
      providerApp: 'users-php',
    });
  });

  afterAll(async () => {
    await mesh?.stop();
    await php?.stop();
  });

  test('a .proto call: JSON in and out, 64-bit ids exact both ways, the caller and metadata carried', async () => {
    const r = await call(mesh.consumer.url, '/acme.users.v1.UserService/GetUser', '{"id": 9223372036854775807}', { 'x-transmesh-int64': 'number' });
    expect(r.status).toBe(200);
    expect(r.text).toContain('"id":9223372036854775807');
    expect(r.body.email).toBe('max@example.com');
    expect(r.headers.get('grpc-metadata-served-by')).toBe('php');
    expect(r.headers.get('grpc-metadata-caller')).toBe('php-app');
    const ada = await call(mesh.consumer.url, '/acme.users.v1.UserService/GetUser', { id: '42' });
    expect(ada.body).toEqual({ id: '42', email: 'ada@example.com', displayName: 'Ada', status: 'ACTIVE', roles: ['admin'] });
  });

  test('JSON output options per request: emit-defaults, proto-names, enum-numbers; an unknown one is a 400 naming it', async () => {
    const r = await call(mesh.consumer.url, '/acme.users.v1.UserService/GetUser', { id: 42 }, { 'x-transmesh-json': 'emit-defaults,proto-names,enum-numbers' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: '42', email: 'ada@example.com', display_name: 'Ada', status: 1, labels: {}, address: null, created_at: null });
    const bad = await call(mesh.consumer.url, '/acme.users.v1.UserService/GetUser', { id: 42 }, { 'x-transmesh-json': 'emit-defaults,shout' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/unknown JSON option "shout"/);
  });

  test('a native gRPC caller reaches the PHP provider: its protobuf message converted to JSON and the answer back to protobuf', async () => {
    const client = new NativeClient(new URL(mesh.consumer.url).host);
    try {
      // GetUserRequest { id: 42 }, written by hand: field 1, varint.
      const ok = await client.unary('/acme.users.v1.UserService/GetUser', Buffer.from([0x08, 42]));
      expect(ok.status.code).toBe(0);
      expect(ok.message!.toString('latin1')).toContain('ada@example.com');
      const missing = await client.unary('/acme.users.v1.UserService/GetUser', Buffer.from([0x08, 5]));
      expect(missing.status.code).toBe(5);
      expect(missing.status.details).toBe('no user 5');
    } finally {
      client.close();
    }
  });

  test("the provider's error envelope is the caller's error; an answer the IDL does not allow is INTERNAL naming the field", async () => {
    const missing = await call(mesh.consumer.url, '/acme.users.v1.UserService/GetUser', { id: 5 });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'NOT_FOUND', message: 'no user 5' });
    const bad = await call(mesh.consumer.url, '/acme.users.v1.UserService/GetUser', { id: 13 });
    expect(bad.status).toBe(500);
    expect(bad.body.error.code).toBe('INTERNAL');
    expect(bad.body.error.message).toMatch(/email/);
  });

  test('a .thrift call: the result and a declared exception, as from a native Thrift provider', async () => {
    const order = await call(mesh.consumer.url, '/orders.OrderService/getOrder', { id: 7 });
    expect(order.status).toBe(200);
    expect(order.body).toMatchObject({ id: '7', userId: '42', status: 'PAID', totals: { EUR: '3998' } });
    const missing = await call(mesh.consumer.url, '/orders.OrderService/getOrder', { id: 8 });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'NOT_FOUND', thrift: { exception: 'orders.OrderNotFound', value: { message: 'no order 8', orderId: '8' } } });
  });

  test('a method the application does not serve is UNIMPLEMENTED (its 404 without the envelope)', async () => {
    const r = await call(mesh.consumer.url, '/acme.users.v1.UserService/ListUsers', {});
    expect(r.status).toBe(501);
    expect(r.body.error.code).toBe('UNIMPLEMENTED');
  });
});

/**
 * The same PHP script straight over FastCGI to PHP-FPM, no web server: a .proto service over TCP
 * and a .thrift one over a Unix socket.
 */
(skip ? describe.skip : describe)('providers over FastCGI (PHP-FPM)', () => {
  let mesh: Mesh;
  let fpmTcp: Proc;
  let fpmUnix: Proc;
  const script = join(repoRoot, 'examples-php', 'provider.php');

  beforeAll(async () => {
    const port = await freePort();
    const socket = join(mkdtempSync(join(tmpdir(), 'transmesh-fpm-sock-')), 'fpm.sock');
    [fpmTcp, fpmUnix] = await Promise.all([startPhpFpm(`127.0.0.1:${port}`), startPhpFpm(socket)]);
    mesh = await startMesh({
      service: 'acme.users.v1.UserService',
      idl: [join(idl, 'acme', 'users', 'v1', 'users.proto'), join(idl, 'orders.thrift'), '-I', idl],
      upstream: `fastcgi://127.0.0.1:${port}?script=${script}&int64=number`,
      alsoProvide: [`orders.OrderService=fastcgi+unix://${socket}?script=${script}&int64=number`],
      providerApp: 'users-fpm',
    });
  });

  afterAll(async () => {
    await mesh?.stop();
    await fpmTcp?.stop();
    await fpmUnix?.stop();
  });

  test('a .proto call over TCP: the answer, the caller, exact 64-bit ids, the Status header of an error', async () => {
    const r = await call(mesh.consumer.url, '/acme.users.v1.UserService/GetUser', '{"id": 9223372036854775807}', { 'x-transmesh-int64': 'number' });
    expect(r.status).toBe(200);
    expect(r.text).toContain('"id":9223372036854775807');
    expect(r.headers.get('grpc-metadata-caller')).toBe('php-app');
    const missing = await call(mesh.consumer.url, '/acme.users.v1.UserService/GetUser', { id: 5 });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'NOT_FOUND', message: 'no user 5' });
  });

  test('a .thrift call over a Unix socket, with its declared exception; kept-alive connections serve many calls', async () => {
    for (let i = 0; i < 20; i++) {
      const order = await call(mesh.consumer.url, '/orders.OrderService/getOrder', { id: 7 });
      expect(order.body).toMatchObject({ id: '7', status: 'PAID' });
    }
    const missing = await call(mesh.consumer.url, '/orders.OrderService/getOrder', { id: 8 });
    expect(missing.body.error).toMatchObject({ code: 'NOT_FOUND', thrift: { exception: 'orders.OrderNotFound' } });
  });

  test('PHP-FPM gone: UNAVAILABLE', async () => {
    await fpmUnix.stop();
    const r = await call(mesh.consumer.url, '/orders.OrderService/getOrder', { id: 7 });
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe('UNAVAILABLE');
  });
});
