import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileProto } from '../../adapters/grpc/proto-compile';
import { compileThrift } from '../../adapters/thrift/thrift-compile';
import { repoRoot } from '../../src/config/repo-root';
import type { ServiceModel } from '../../src/idl/model';
import { MeshError } from '../../src/errors/mesh-error';
import { parseJson } from '../../src/json/parse-json';
import { RouteTable } from '../../src/rest/route-table';
import { assembleRequest, pickResponse } from '../../src/rest/rest-request';

/**
 * The request message a REST call becomes, from real IDL (library.proto, a Kitex-annotated
 * .thrift), checked by the method's own conversion: what the assembler writes, the codec takes.
 */
const library = compileProto({ 'library.proto': readFileSync(join(repoRoot, 'tests/fixtures/rest/library.proto'), 'utf8') }).bundle;
const shop = compileThrift({
  'orders.thrift': `
struct GetOrder {
  1: required i64 id (api.path = "orderId"),
  2: optional string fields (api.query = "f"),
  3: optional string token (api.header = "X-Token"),
  4: optional list<i32> lines,
}
struct Order { 1: i64 id, 2: string note }
service Orders {
  Order get(1: GetOrder req) (api.get = "/v1/orders/:orderId"),
  Order put(1: GetOrder req) (api.put = "/v1/orders/:orderId"),
  string echo(1: string text, 2: i32 times) (api.get = "/v1/echo/:text"),
}`,
});
const { table, problems } = RouteTable.build([...library.services, ...shop.services]);

/** The request JSON of a call, after the method's conversion accepted it. */
function request(verb: string, url: string, body = '', headers: Record<string, string> = {}): { method: string; json: unknown } {
  const [path, query = ''] = url.split('?');
  const m = table.match(verb, path!);
  if (!m) throw new Error(`no route for ${verb} ${url}`);
  const json = assembleRequest(m, query, body, (h) => headers[h]);
  const svc = [...library.services, ...shop.services].find((s) => s.name === m.route.service) as ServiceModel;
  svc.methods.get(m.route.method)!.json.encodeRequest(parseJson(json));
  return { method: m.route.method, json: JSON.parse(json) };
}

const refusal = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(MeshError);
    expect((err as MeshError).code).toBe('INVALID_ARGUMENT');
    return (err as MeshError).message;
  }
  throw new Error('not refused');
};

describe('REST request assembly', () => {
  test('the IDL compiles to one table without problems', () => {
    expect(problems).toEqual([]);
    expect(table.all().map((r) => `${r.httpMethod} ${r.template}`)).toEqual([
      'GET /v1/shelves/{shelf}/books',
      'GET /v1/books',
      'GET /v1/{name=shelves/*/books/*}',
      'POST /v1/shelves/{shelf}/books',
      'PATCH /v1/books/{book.id}',
      'GET /v1/shelves/{shelf}/books:titles',
      'HEAD /v1/{name=archive/**}',
      'GET /v1/orders/{req.id}',
      'PUT /v1/orders/{req.id}',
      'GET /v1/echo/{text}',
    ]);
  });

  test('path variables and query parameters by proto or JSON name, typed by their field (64-bit exact, enums, bools, nested, repeated)', () => {
    expect(request('GET', '/v1/shelves/s1/books?page_size=10&filter.tag=a&filter.minPages=3&ids=1&ids=9223372036854775807&deleted=true&kind=NOVEL&score=1.5')).toEqual({
      method: 'ListBooks',
      json: { shelf: 's1', pageSize: 10, filter: { tag: 'a', minPages: 3 }, ids: ['1', '9223372036854775807'], deleted: true, kind: 'NOVEL', score: 1.5 },
    });
    expect(request('GET', '/v1/books?shelf=s2&pageSize=5&kind=1').json).toEqual({ shelf: 's2', pageSize: 5, kind: 1 });
    // '+' and escapes in a query value, as a form encodes them.
    expect(request('GET', '/v1/books?shelf=a+b%26c').json).toEqual({ shelf: 'a b&c' });
  });

  test('strict query: an unknown name, a message field, a value that does not fit, a single field twice, a path-bound field', () => {
    expect(refusal(() => request('GET', '/v1/books?bogus=1'))).toContain('query parameter "bogus" names no field');
    expect(refusal(() => request('GET', '/v1/books?filter.nope=1'))).toContain('query parameter "filter.nope"');
    expect(refusal(() => request('GET', '/v1/books?filter=x'))).toContain('names a message field');
    expect(refusal(() => request('GET', '/v1/books?page_size=ten'))).toContain('"ten" is not an integer');
    expect(refusal(() => request('GET', '/v1/books?ids=1.5'))).toContain('query parameter "ids"');
    expect(refusal(() => request('GET', '/v1/books?deleted=yes'))).toContain('true or false');
    expect(refusal(() => request('GET', '/v1/books?shelf=a&shelf=b'))).toContain('given twice');
    expect(refusal(() => request('GET', '/v1/shelves/s1/books?shelf=s2'))).toContain('bound by the path');
    expect(refusal(() => request('GET', '/v1/books', '{"shelf":"x"}'))).toContain('takes no body');
  });

  test('a segment pattern binds the matched segments; body as one field; body "*" with a field also in the path (the path wins)', () => {
    expect(request('GET', '/v1/shelves/s1/books/b%2F1%20x').json).toEqual({ name: 'shelves/s1/books/b%2F1 x' });
    expect(request('POST', '/v1/shelves/s1/books', '{"title":"T","id":7}')).toEqual({ method: 'CreateBook', json: { shelf: 's1', book: { title: 'T', id: 7 } } });
    expect(refusal(() => request('POST', '/v1/shelves/s1/books?book.title=x', '{}'))).toContain('is in the body');
    expect(request('PATCH', '/v1/books/42', '{"book":{"id":"1","title":"x"}}').json).toEqual({ book: { id: '42', title: 'x' } });
    expect(request('PATCH', '/v1/books/42', '').json).toEqual({ book: { id: '42' } });
    expect(refusal(() => request('PATCH', '/v1/books/42', '[1]'))).toContain('must be a JSON object');
    expect(request('HEAD', '/v1/archive/2020/x').json).toEqual({ name: 'archive/2020/x' });
  });

  test('response_body writes one field of the answer, by JSON or proto name, its default when the answer leaves it out', () => {
    const route = table.match('GET', '/v1/shelves/s1/books:titles')!.route;
    expect(pickResponse(route, '{"books":[{"id":"9223372036854775807"}],"nextPageToken":"t"}')).toBe('[{"id":"9223372036854775807"}]');
    expect(pickResponse(route, '{"books":[{"id":9223372036854775807}]}')).toBe('[{"id":9223372036854775807}]');
    expect(pickResponse(route, '{}')).toBe('[]');
  });

  test('Kitex annotations: the one struct argument is the message; api.path, api.query, api.header rename and bind its fields', () => {
    expect(request('GET', '/v1/orders/9223372036854775807?f=all&lines=1&lines=2', '', { 'x-token': 't' })).toEqual({ method: 'get', json: { req: { id: '9223372036854775807', fields: 'all', lines: [1, 2], token: 't' } } });
    expect(request('GET', '/v1/orders/5?fields=x').json).toEqual({ req: { id: '5', fields: 'x' } });
    expect(refusal(() => request('GET', '/v1/orders/5?nope=1'))).toContain('query parameter "nope" names no field');
    expect(request('PUT', '/v1/orders/5', '{"fields":"a"}').json).toEqual({ req: { fields: 'a', id: '5' } });
    // The struct is the body and the query: a query field joins what the body holds.
    expect(request('PUT', '/v1/orders/5?f=q', '{"lines":[1]}', { 'x-token': 't' }).json).toEqual({ req: { lines: [1], id: '5', fields: 'q', token: 't' } });
    expect(request('GET', '/v1/echo/hi?times=3')).toEqual({ method: 'echo', json: { text: 'hi', times: 3 } });
  });

  test('a route naming a field the request lacks is a problem of the table, naming the route', () => {
    const bad = compileProto({
      'bad.proto': `syntax = "proto3"; package bad; import "google/api/annotations.proto";
message R { string id = 1; repeated string tags = 2; }
service S {
  rpc A(R) returns (R) { option (google.api.http) = { get: "/a/{nope}" }; }
  rpc B(R) returns (R) { option (google.api.http) = { get: "/b/{tags}" }; }
  rpc C(R) returns (R) { option (google.api.http) = { post: "/c" body: "missing" }; }
  rpc D(R) returns (R) { option (google.api.http) = { get: "/d/**/*" }; }
}`,
    }).bundle;
    expect(RouteTable.build(bad.services).problems).toEqual([
      'bad.proto: rpc bad.S.A: GET /a/{nope}: path variable nope: no field "nope"',
      'bad.proto: rpc bad.S.B: GET /b/{tags}: path variable tags must name a single scalar field',
      'bad.proto: rpc bad.S.C: POST /c: body missing: no field "missing"',
      'bad.proto: rpc bad.S.D: GET /d/**/*: path template "/d/**/*": only literal segments may follow "**"',
    ]);
  });
});
