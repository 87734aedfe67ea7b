import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { compileProto } from '../../adapters/grpc/proto-compile';
import { compileThrift } from '../../adapters/thrift/thrift-compile';
import { repoRoot } from '../../src/config/repo-root';
import { RouteTable } from '../../src/rest/route-table';
import { assembleRequest } from '../../src/rest/rest-request';
import { check, corpus, outcome } from '../fuzz/fuzz-harness';

/**
 * Route lookup and request assembly under random request lines: never a crash; either no route,
 * a request message as JSON, or INVALID_ARGUMENT.
 */
const library = compileProto({ 'library.proto': readFileSync(join(repoRoot, 'tests/fixtures/rest/library.proto'), 'utf8') }).bundle;
const orders = compileThrift({ 'orders.thrift': 'struct R { 1: i64 id (api.path = "id"), 2: list<i32> lines }\nservice O { R get(1: R req) (api.get = "/v1/orders/:id"), string echo(1: string text, 2: i32 times) (api.get = "/v1/echo/:text") }' });
const { table } = RouteTable.build([...library.services, ...orders.services]);

function served(verb: string, url: string, body = ''): void {
  const q = url.indexOf('?');
  const m = table.match(verb, q < 0 ? url : url.slice(0, q));
  if (!m) return;
  const json = outcome(() => assembleRequest(m, q < 0 ? '' : url.slice(q + 1), body, () => undefined));
  if (json !== undefined) expect(() => JSON.parse(json) as unknown).not.toThrow();
}

const segment = fc.oneof(fc.constantFrom('v1', 'books', 'shelves', 's1', 'orders', 'echo', 'archive', 'x:titles', '%2F', '%zz', '', '**'), fc.string({ maxLength: 6 }));
const param = fc.tuple(fc.constantFrom('shelf', 'page_size', 'pageSize', 'filter.tag', 'ids', 'kind', 'deleted', 'score', 'lines', 'times', 'bogus', ''), fc.string({ maxLength: 8 }));
const url = fc.tuple(fc.array(segment, { maxLength: 6 }), fc.array(param, { maxLength: 4 })).map(([segs, ps]) => `/${segs.join('/')}${ps.length ? `?${ps.map(([k, v]) => `${k}=${v}`).join('&')}` : ''}`);

describe('REST routes fuzz', () => {
  test.each(corpus('rest'))('corpus: %j', (u) => {
    for (const verb of ['GET', 'POST', 'PATCH', 'HEAD']) served(verb, u);
  });

  test('request lines from route-like pieces', () => {
    check(fc.tuple(fc.constantFrom('GET', 'POST', 'PATCH', 'HEAD', 'PUT'), url, fc.constantFrom('', '{}', '{"title":"t"}', '[]', '{"book":{"id":"1"}}', 'x')), ([verb, u, body]) => served(verb, u, body));
  });

  test('arbitrary text as a path', () => {
    check(fc.string({ unit: 'binary', maxLength: 80 }), (s) => served('GET', `/${s}`));
  });
});
