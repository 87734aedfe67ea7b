import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { compileProto } from '../../adapters/grpc/proto-compile';
import { repoRoot } from '../../src/config/repo-root';
import { RouteTable } from '../../src/rest/route-table';
import { SnapshotCell } from '../../src/snapshot/snapshot-cell';
import { emptyIdl, type IdlSnapshot } from '../../src/snapshot/snapshots';
import { HttpListener } from '../../src/sidecar/outbound/http-listener';
import { RestCalls } from '../../src/sidecar/outbound/rest-calls';
import type { OutboundCall } from '../../src/sidecar/outbound/call';

/**
 * The HTTP listener's REST hook over a real socket: which form a request takes (the plain
 * `POST /<service>/<method>` first), the call it hands the stack, the answer it writes.
 */
const library = compileProto({ 'library.proto': readFileSync(join(repoRoot, 'tests/fixtures/rest/library.proto'), 'utf8') }).bundle;
// A service whose name is a route's first segment: the plain form wins for it.
const v1 = compileProto({ 'v1.proto': 'syntax = "proto3"; import "google/api/annotations.proto"; message M { string x = 1; }\nservice v1 { rpc books(M) returns (M) { option (google.api.http) = { post: "/v2/{x}" body: "*" }; } }' }).bundle;
const services = [...library.services, ...v1.services];

let listener: HttpListener;
let base: string;
const calls: OutboundCall[] = [];
let answer = '{}';

beforeAll(async () => {
  const idl = new SnapshotCell<IdlSnapshot>(emptyIdl);
  idl.swap({ services: new Map(services.map((model) => [model.name, { model, version: 1 }])), loadedAt: 1, routes: RouteTable.build(services).table });
  listener = new HttpListener(async (c) => (calls.push(c), { json: answer, metadata: {} }), 'app', pino({ level: 'silent' }), undefined, undefined, new RestCalls(idl));
  base = await listener.listen('127.0.0.1', 0);
});
afterAll(() => listener.close());
beforeEach(() => {
  calls.length = 0;
  answer = '{}';
});

async function send(method: string, path: string, body?: string) {
  calls.length = 0;
  const res = await fetch(`${base}${path}`, { method, body });
  const text = await res.text();
  return { status: res.status, text, call: calls[0] };
}

test('the plain form is served as before: the body as sent, no assembly', async () => {
  const r = await send('POST', '/lib.v1.Library/GetBook', '{"name":"x"}');
  expect(r.status).toBe(200);
  expect(r.call).toMatchObject({ service: 'lib.v1.Library', method: 'GetBook', body: '{"name":"x"}' });
});

test('a route becomes a call of its method with the assembled request', async () => {
  const r = await send('GET', '/v1/books?shelf=a&ids=9223372036854775807');
  expect(r.status).toBe(200);
  expect(r.call).toMatchObject({ service: 'lib.v1.Library', method: 'ListBooks', body: '{"shelf":"a","ids":["9223372036854775807"]}' });
  expect((await send('POST', '/v2/abc', '{}')).call).toMatchObject({ service: 'v1', method: 'books', body: '{"x":"abc"}' });
});

test('POST /<a>/<b> where <a> is a service is the plain form, even if a route could match', async () => {
  const r = await send('POST', '/v1/books', '{"x":"1"}');
  expect(r.call).toMatchObject({ service: 'v1', method: 'books', body: '{"x":"1"}' });
});

test('response_body: the answer is that field', async () => {
  answer = '{"books":[{"name":"x"}],"nextPageToken":"t"}';
  const r = await send('GET', '/v1/shelves/s/books:titles');
  expect(r).toMatchObject({ status: 200, text: '[{"name":"x"}]' });
});

test('no route: 404 in the JSON envelope; another method on the plain form of a known service: 501; a bad query: 400 before any call', async () => {
  const none = await send('GET', '/v9/nowhere');
  expect(none.status).toBe(404);
  expect(JSON.parse(none.text).error).toMatchObject({ code: 'NOT_FOUND' });
  expect((await send('GET', '/lib.v1.Library/GetBook')).status).toBe(501);
  expect((await send('DELETE', '/v9/books')).status).toBe(404);
  expect((await send('GET', '/v1/other')).status).toBe(501);
  const bad = await send('GET', '/v1/books?nope=1');
  expect(bad.status).toBe(400);
  expect(JSON.parse(bad.text).error.message).toContain('"nope"');
  expect(calls).toHaveLength(0);
});

test('before the first IDL snapshot a route is a retryable 503, as the plain form is', async () => {
  const early = new HttpListener(async () => ({ json: '{}', metadata: {} }), 'app', pino({ level: 'silent' }), undefined, undefined, new RestCalls(new SnapshotCell<IdlSnapshot>(emptyIdl)));
  const url = await early.listen('127.0.0.1', 0);
  try {
    const res = await fetch(`${url}/v1/books`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAVAILABLE');
  } finally {
    await early.close();
  }
});
