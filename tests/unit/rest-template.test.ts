import type { ServiceModel } from '../../src/idl/model';
import type { RestField, RestMessage } from '../../src/idl/rest-model';
import { parseTemplate, templateShape } from '../../src/rest/path-template';
import { RouteTable } from '../../src/rest/route-table';
import { assembleRequest } from '../../src/rest/rest-request';

/**
 * The template grammar and the matcher, on the cases of the reference implementations' suites:
 * grpc-httpjson-transcoding's path matcher (Envoy's transcoder) and grpc-gateway's pattern tests,
 * restated here (wildcards, `**` with literals after it, custom verbs, percent escapes).
 */

/** A request whose every field is a string: the JSON the assembler writes shows each variable's binding. */
const anyString: RestMessage = { field: (name): RestField => ({ name, jsonName: name, kind: 'string', repeated: false, message: anyString }) };

function tableOf(routes: Array<[string, string]>): RouteTable {
  const methods = new Map(routes.map(([verb, template], i) => [`m${i}`, { name: `m${i}`, rest: { routes: [{ httpMethod: verb, template, body: undefined, responseBody: undefined, declaredAt: `t.proto: m${i}` }], request: anyString, response: undefined } }]));
  const { table, problems } = RouteTable.build([{ name: 'pkg.S', methods } as unknown as ServiceModel]);
  expect(problems).toEqual([]);
  return table;
}

/** `[template, bindings]` of the route a request takes, or undefined. */
function lookup(table: RouteTable, path: string, verb = 'GET'): [string, Record<string, unknown>] | undefined {
  const m = table.match(verb, path);
  if (!m) return undefined;
  return [m.route.template, JSON.parse(assembleRequest(m, '', '', () => undefined)) as Record<string, unknown>];
}

const templateOf = (table: RouteTable, path: string) => lookup(table, path)?.[0];

describe('path template grammar', () => {
  test.each([
    ['/v1/shelves/{shelf}/books/{book.id}', '/v1/shelves/*/books/*', ['shelf', 'book.id']],
    ['/v1/{name=shelves/*/books/*}', '/v1/shelves/*/books/*', ['name']],
    ['/v1/{name=**}:cancel', '/v1/**:cancel', ['name']],
    ['/{x=**}/a/b', '/**/a/b', ['x']],
    ['/a/*/b/**', '/a/*/b/**', []],
    ['/', '/', []],
    ['/v1/things:batchGet', '/v1/things:batchGet', []],
  ])('%s parses', (template, shape, vars) => {
    const t = parseTemplate(template);
    expect(templateShape(t)).toBe(shape);
    expect(t.variables.map((v) => v.path.join('.'))).toEqual(vars);
  });

  test.each([
    ['v1/a', 'must start with "/"'],
    ['/a/**/*', 'only literal segments may follow "**"'],
    ['/a/**/foo/*', 'only literal segments may follow "**"'],
    ['/a/**/**', 'only literal segments may follow "**"'],
    ['/a/**/foo/**', 'only literal segments may follow "**"'],
    ['/a{x=b/**}/{y=*}', 'bad segment'],
    ['/a/{x=b/{y}}', 'nested variables'],
    ['/a/{x}/{x}', 'appears twice'],
    ['/a/{x', 'unclosed'],
    ['/a//b', 'empty segment'],
    ['/a/', 'ends with "/"'],
    ['/a/{1x}', 'bad field path'],
    ['/a:', 'bad verb'],
    ['/a/{x}b', 'after a variable'],
  ])('%s is refused (%s)', (template, why) => {
    expect(() => parseTemplate(template)).toThrow(why);
  });
});

describe('route matching', () => {
  test('"*" takes one segment, "**" the rest; the more specific route wins', () => {
    const t = tableOf([['GET', '/a/**'], ['GET', '/b/*'], ['GET', '/c/*/d/**'], ['GET', '/c/*/d/e'], ['GET', '/c/f/d/e'], ['GET', '/']]);
    expect(templateOf(t, '/a/b')).toBe('/a/**');
    expect(templateOf(t, '/a/b/c')).toBe('/a/**');
    expect(templateOf(t, '/b/c')).toBe('/b/*');
    expect(templateOf(t, 'b/c/d')).toBeUndefined();
    expect(templateOf(t, '/c/u/d/v')).toBe('/c/*/d/**');
    expect(templateOf(t, '/c/v/d/w/x')).toBe('/c/*/d/**');
    expect(templateOf(t, '/c/x/y/d/z')).toBeUndefined();
    expect(templateOf(t, '/c//v/d/w/x')).toBeUndefined();
    expect(templateOf(t, '/c/x/d/e')).toBe('/c/*/d/e');
    expect(templateOf(t, '/c/f/d/e')).toBe('/c/f/d/e');
    expect(templateOf(t, '/')).toBe('/');
    expect(t.match('POST', '/b/c')).toBeUndefined();
  });

  test('variables bind one segment, a pattern of them, or the rest', () => {
    const t = tableOf([
      ['GET', '/a/{x}/c/d/e'],
      ['GET', '/{x=a/*}/b/{y=*}/c'],
      ['GET', '/a/{x=b/*}/{y=d/**}'],
      ['GET', '/alpha/{x=*}/beta/{y=**}/gamma'],
      ['GET', '/{x=*}/a'],
      ['GET', '/{x=**}/a/b'],
      ['GET', '/a/b/{x=*}'],
      ['GET', '/a/b/c/{x=**}'],
      ['GET', '/{x=*}/d/e/f/{y=**}'],
    ]);
    expect(lookup(t, '/a/book/c/d/e')?.[1]).toEqual({ x: 'book' });
    expect(lookup(t, '/a/hello/b/world/c')?.[1]).toEqual({ x: 'a/hello', y: 'world' });
    expect(lookup(t, '/a/b/zoo/d/animal/tiger')?.[1]).toEqual({ x: 'b/zoo', y: 'd/animal/tiger' });
    expect(lookup(t, '/alpha/dog/beta/eat/bones/gamma')?.[1]).toEqual({ x: 'dog', y: 'eat/bones' });
    expect(lookup(t, '/foo/a')?.[1]).toEqual({ x: 'foo' });
    expect(lookup(t, '/foo/bar/a/b')?.[1]).toEqual({ x: 'foo/bar' });
    expect(lookup(t, '/a/b/foo')?.[1]).toEqual({ x: 'foo' });
    expect(lookup(t, '/a/b/c/foo/bar/baz')?.[1]).toEqual({ x: 'foo/bar/baz' });
    expect(lookup(t, '/foo/d/e/f/bar/baz')?.[1]).toEqual({ x: 'foo', y: 'bar/baz' });
  });

  test('literals after "**" match as late as they can; a verb ends the last segment', () => {
    const t = tableOf([
      ['GET', '/a/{x=b/**}'],
      ['GET', '/a/{x=b/**}/z'],
      ['GET', '/a/{x=b/**}/y/z'],
      ['GET', '/a/{x=b/**}:verb'],
      ['GET', '/c/{x=*}/{y=d/**}/e'],
      ['GET', '/c/{x=*}/{y=d/**}/e:verb'],
    ]);
    expect(lookup(t, '/a/b/hello/world/c')).toEqual(['/a/{x=b/**}', { x: 'b/hello/world/c' }]);
    expect(lookup(t, '/a/b/world/c/z')).toEqual(['/a/{x=b/**}/z', { x: 'b/world/c' }]);
    expect(lookup(t, '/a/b/world/c/y/z')).toEqual(['/a/{x=b/**}/y/z', { x: 'b/world/c' }]);
    expect(lookup(t, '/a/b/world/c:verb')).toEqual(['/a/{x=b/**}:verb', { x: 'b/world/c' }]);
    expect(lookup(t, '/c/hello/d/esp/world/e')?.[1]).toEqual({ x: 'hello', y: 'd/esp/world' });
    expect(lookup(t, '/c/hola/d/esp/mundo/e:verb')).toEqual(['/c/{x=*}/{y=d/**}/e:verb', { x: 'hola', y: 'd/esp/mundo' }]);
  });

  test('a custom verb is only a verb where a route declares it', () => {
    const t = tableOf([['GET', '/person'], ['GET', '/person/{id=*}'], ['GET', '/{x=**}:verb']]);
    expect(lookup(t, '/person:verb')).toEqual(['/{x=**}:verb', { x: 'person' }]);
    expect(lookup(t, '/person/jason:verb')).toEqual(['/{x=**}:verb', { x: 'person/jason' }]);
    expect(lookup(t, '/animal/cat:verb')).toEqual(['/{x=**}:verb', { x: 'animal/cat' }]);
    expect(templateOf(t, '/person')).toBe('/person');
    expect(templateOf(t, '/person/jason')).toBe('/person/{id=*}');
    expect(templateOf(t, '/animal')).toBeUndefined();
    expect(templateOf(t, '/person:other')).toBeUndefined();
    // Not a declared verb: part of the variable's value.
    expect(lookup(t, '/person/jason:other')).toEqual(['/person/{id=*}', { id: 'jason:other' }]);
    const two = tableOf([['GET', '/{a=*}/{b=*}:verb'], ['GET', '/foo/*/hello']]);
    expect(lookup(two, '/some:verb/const:verb')?.[1]).toEqual({ a: 'some:verb', b: 'const' });
    expect(templateOf(two, '/foo/other:verb/hello')).toBe('/foo/*/hello');
    expect(templateOf(two, '/some/other:verb/')).toBeUndefined();
  });

  test('a one-segment variable decodes every escape, %2F too; a multi-segment one keeps %2F', () => {
    const t = tableOf([['GET', '/a/{x}/c'], ['GET', '/b/{x=p/*/q/*}/c'], ['GET', '/d/{x=**}/c']]);
    expect(lookup(t, '/a/p%20q%2Fr/c')?.[1]).toEqual({ x: 'p q/r' });
    expect(lookup(t, '/b/p/foo%20foo/q/bar%2Fbar/c')?.[1]).toEqual({ x: 'p/foo foo/q/bar%2Fbar' });
    expect(lookup(t, '/d/p/foo%20foo/q/bar%2fbar/c')?.[1]).toEqual({ x: 'p/foo foo/q/bar%2fbar' });
    // Every ASCII character, escaped in either case, comes back in a one-segment variable.
    const one = tableOf([['GET', '/{x}']]);
    for (let c = 1; c < 0x7f; c++) {
      for (const hex of [c.toString(16).padStart(2, '0'), c.toString(16).padStart(2, '0').toUpperCase()]) {
        expect(lookup(one, `/%${hex}`)?.[1]).toEqual({ x: String.fromCharCode(c) });
      }
    }
    expect(() => lookup(one, '/%zz')).toThrow('not valid percent-encoding');
  });

  test('two routes of the same method and shape clash, whatever their variables are called; the problem names both', () => {
    const method = (name: string, template: string, verb = 'GET') => [name, { name, rest: { routes: [{ httpMethod: verb, template, body: undefined, responseBody: undefined, declaredAt: `a.proto: rpc ${name}` }], request: anyString, response: undefined } }] as const;
    const svc = (name: string, ...ms: ReturnType<typeof method>[]) => ({ name, methods: new Map(ms) }) as unknown as ServiceModel;
    const { table, problems } = RouteTable.build([svc('a.A', method('Get', '/v1/{id}'), method('Put', '/v1/{id}', 'PUT')), svc('b.B', method('Fetch', '/v1/{name}'), method('Other', '/v1/{name}:other'))]);
    expect(problems).toEqual(['GET /v1/*: the same route is declared by a.A/Get (a.proto: rpc Get: /v1/{id}) and b.B/Fetch (a.proto: rpc Fetch: /v1/{name})']);
    expect(table.size).toBe(3);
    expect(table.match('GET', '/v1/7')?.route.method).toBe('Get');
  });
});
