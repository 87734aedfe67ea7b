import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, runCli, startNats, type Proc } from '../helpers/processes';
import { startControlPlane, startSidecar, type SidecarProc } from '../helpers/mesh';
import { startThriftTestServer, type ThriftTestServer } from '../helpers/thrift-test-server';

jest.setTimeout(60000);

const libraryProto = join(repoRoot, 'tests/fixtures/rest/library.proto');
const thriftFixtures = join(repoRoot, 'tests/fixtures/thrift');

/**
 * REST routes through the mesh, real processes: nats-server, the control plane, a provider
 * sidecar in front of a grpc-js Library server (tests/fixtures/rest/library.proto, every
 * google.api.http shape) and Apache Thrift's Node server of shop.Catalog pushed with Kitex
 * `api.*` annotations, and a consumer sidecar the test calls with plain HTTP methods and paths.
 */
describe('REST routes from the IDL', () => {
  let nats: Awaited<ReturnType<typeof startNats>>;
  let cp: Proc;
  let provider: SidecarProc;
  let consumer: SidecarProc;
  let grpcServer: grpc.Server;
  let grpcPort: number;
  let thriftServer: ThriftTestServer;
  let dir: string;

  beforeAll(async () => {
    ({ server: grpcServer, port: grpcPort } = await startLibrary());
    thriftServer = await startThriftTestServer();
    dir = mkdtempSync(join(tmpdir(), 'transmesh-rest-'));
    // shop.Catalog as Kitex users annotate it: a scalar argument bound by the path, a struct argument (the body) with renamed query and header fields.
    const shop = readFileSync(join(thriftFixtures, 'shop.thrift'), 'utf8')
      .replace('2: required string name,', '2: required string name (api.query = "n"),')
      .replace('6: optional bool active,', '6: optional bool active (api.header = "X-Active"),')
      .replace('Item get(1: common.Id id) throws (1: common.NotFound notFound, 2: Invalid invalid),', 'Item get(1: common.Id id) throws (1: common.NotFound notFound, 2: Invalid invalid) (api.get = "/v1/items/:id"),')
      .replace('Item put(1: Item item) throws (1: Invalid invalid),', 'Item put(1: Item item) throws (1: Invalid invalid) (api.put = "/v1/items/:id"),');
    expect(shop).toContain('api.put');
    writeFileSync(join(dir, 'shop.thrift'), shop);
    copyFileSync(join(thriftFixtures, 'common.thrift'), join(dir, 'common.thrift'));
    nats = await startNats();
    cp = await startControlPlane(nats.url);
    for (const file of [libraryProto, join(dir, 'shop.thrift')]) {
      const pushed = await runCli(['idl', 'push', file, '--nats', nats.url]);
      expect(pushed).toMatchObject({ code: 0 });
    }
    provider = await startSidecar(nats.url, 'library', [`lib.v1.Library=grpc://127.0.0.1:${grpcPort}`, `shop.Catalog=${thriftServer.url}`]);
    consumer = await startSidecar(nats.url, 'php-app');
    await consumer.proc.waitFor((l) => l.msg === 'endpoints snapshot' && l.endpoints.length === 1, 'the provider in discovery');
  });

  afterAll(async () => {
    await consumer?.proc.stop();
    await provider?.proc.stop();
    await cp?.stop();
    await nats?.stop();
    await thriftServer?.close();
    await new Promise<void>((r) => (grpcServer ? grpcServer.tryShutdown(() => r()) : r()));
  });

  async function rest(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${consumer.url}${path}`, { method, headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, text, body: text ? (JSON.parse(text) as any) : undefined };
  }

  test('GET with a path variable and typed query parameters (nested, repeated, 64-bit exact, enum, bool)', async () => {
    const r = await rest('GET', '/v1/shelves/s1/books?page_size=10&filter.tag=a&ids=1&ids=9223372036854775807&kind=NOVEL&deleted=true');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body.books[0].title)).toEqual({ shelf: 's1', page_size: 10, filter: { tag: 'a' }, ids: ['1', '9223372036854775807'], kind: 'NOVEL', deleted: true });
    expect(r.body.nextPageToken).toBe('next');
  });

  test('additional_bindings: the same method at another route', async () => {
    const r = await rest('GET', '/v1/books?shelf=s2');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body.books[0].title)).toMatchObject({ shelf: 's2' });
  });

  test('a segment pattern variable, %2F kept as sent', async () => {
    const r = await rest('GET', '/v1/shelves/s1/books/b%2F1');
    expect(r).toMatchObject({ status: 200, body: { name: 'shelves/s1/books/b%2F1' } });
  });

  test('POST with body as one field; PATCH with body "*" and a field also in the path (the path wins)', async () => {
    const created = await rest('POST', '/v1/shelves/s1/books', { title: 'Dune', id: '7' });
    expect(created).toMatchObject({ status: 200, body: { name: 'shelves/s1/books/new', title: 'Dune', id: '7' } });
    const patched = await rest('PATCH', '/v1/books/42', { book: { id: '1', title: 'x' } });
    expect(patched).toMatchObject({ status: 200, body: { id: '42', title: 'x' } });
  });

  test('response_body writes that field of the answer alone', async () => {
    const r = await rest('GET', '/v1/shelves/s3/books:titles');
    expect(r.status).toBe(200);
    expect(Array.isArray(r.body)).toBe(true);
    expect(r.body[0].name).toBe('s3');
  });

  test('a Kitex-annotated Thrift function: struct argument from body, path, renamed query and header; a scalar argument from the path', async () => {
    const put = await rest('PUT', '/v1/items/77?n=lamp', { count: 3 }, { 'x-active': 'true' });
    expect(put).toMatchObject({ status: 200, body: { id: '77', name: 'lamp', count: 3, active: true } });
    const got = await rest('GET', '/v1/items/77');
    expect(got).toMatchObject({ status: 200, body: { id: '77', name: 'lamp' } });
    // The provider's declared exception comes back as for any JSON call.
    const missing = await rest('GET', '/v1/items/78');
    expect(missing.status).toBe(404);
  });

  test('no route is the JSON error envelope with 404; an unknown query parameter is INVALID_ARGUMENT naming it', async () => {
    const none = await rest('GET', '/v1/nothing/here');
    expect(none.status).toBe(404);
    expect(none.body.error).toMatchObject({ code: 'NOT_FOUND' });
    expect(none.body.error.message).toContain('no route for GET /v1/nothing/here');
    const bogus = await rest('GET', '/v1/books?bogus=1');
    expect(bogus.status).toBe(400);
    expect(bogus.body.error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(bogus.body.error.message).toContain('"bogus"');
  });

  test('POST /<service>/<method> keeps working for every method, routed or not', async () => {
    const r = await rest('POST', '/lib.v1.Library/GetBook', { name: 'plain' });
    expect(r).toMatchObject({ status: 200, body: { name: 'plain' } });
    const t = await rest('POST', '/shop.Catalog/echo', { text: 'hi' });
    expect(t).toMatchObject({ status: 200, body: 'hi' });
  });

  test('idl push refuses a route another method already has, naming both; idl show prints the routes', async () => {
    const clash = join(dir, 'clash.proto');
    writeFileSync(clash, 'syntax = "proto3"; package clash.v1; import "google/api/annotations.proto";\nmessage R { string key = 1; }\nservice Clash { rpc Find(R) returns (R) { option (google.api.http) = { get: "/v1/items/{key}" }; } }\n');
    const refused = await runCli(['idl', 'push', clash, '--nats', nats.url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('GET /v1/items/*: the same route is declared by shop.Catalog/get');
    expect(refused.stderr).toContain('clash.v1.Clash/Find');
    const shown = await runCli(['idl', 'show', 'lib.v1.Library', '--nats', nats.url]);
    expect(shown.stdout).toContain('  GET /v1/shelves/{shelf}/books');
    expect(shown.stdout).toContain('  PATCH /v1/books/{book.id}  body: *');
    expect(shown.stdout).toContain('  GET /v1/shelves/{shelf}/books:titles  response_body: books');
  });
});

/** A grpc-js server of lib.v1.Library (protobufjs reflection, no generated code); each answer shows what the call carried. */
async function startLibrary(): Promise<{ server: grpc.Server; port: number }> {
  const root = protobuf.parse(readFileSync(libraryProto, 'utf8'), { keepCase: true }).root;
  root.resolveAll();
  const svc = root.lookupService('lib.v1.Library');
  const def: Record<string, grpc.MethodDefinition<any, any>> = {};
  for (const m of svc.methodsArray) {
    const req = root.lookupType(m.requestType);
    const res = root.lookupType(m.responseType);
    def[m.name] = {
      path: `/lib.v1.Library/${m.name}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: (o: object) => Buffer.from(req.encode(o).finish()),
      requestDeserialize: (b: Buffer) => req.toObject(req.decode(b), { longs: String, enums: String, defaults: false }),
      responseSerialize: (o: object) => Buffer.from(res.encode(res.fromObject(o)).finish()),
      responseDeserialize: (b: Buffer) => res.decode(b),
    };
  }
  const unary = (f: (r: any) => object) => (call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) => cb(null, f(call.request));
  const list = (r: any) => ({ books: [{ name: r.shelf, title: JSON.stringify(r) }], next_page_token: 'next' });
  const server = new grpc.Server();
  server.addService(def, {
    ListBooks: unary(list),
    ListTitles: unary(list),
    GetBook: unary((r) => ({ name: r.name })),
    CreateBook: unary((r) => ({ ...r.book, name: `shelves/${r.shelf}/books/new` })),
    UpdateBook: unary((r) => r.book),
    Archive: unary((r) => ({ name: r.name })),
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return { server, port };
}
