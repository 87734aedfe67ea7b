import { describeMethod } from '../../adapters/thrift/thrift-compile';
import type { ThriftMethod } from '../../adapters/thrift/thrift-model';

const thriftRequestExample = (m: ThriftMethod) => describeMethod(m).request;
const thriftResponseExample = (m: ThriftMethod) => describeMethod(m).response;
import type { ServiceModel } from '../../src/idl/model';
import { IdlError } from '../../src/idl/model';
import { thrownBy } from '../helpers/thrown';
import { compileThrift, thriftIncludesOf } from '../../adapters/thrift/thrift-compile';
import { shopFiles, thriftMethod } from '../helpers/thrift-fixtures';

const method = thriftMethod;
const idlError = (files: Record<string, string>, entries?: string[]) => thrownBy(() => compileThrift(files, entries), IdlError);

const find = (services: readonly ServiceModel[], name: string) => services.find((s) => s.name === name);

describe('compileThrift', () => {
  test('the shop fixture: services named <module>.<Service>, inherited methods first', () => {
    const { services } = compileThrift(shopFiles(), ['shop.thrift']);
    expect(services.map((s) => s.name).sort()).toEqual(['common.Base', 'shop.Catalog']);
    const catalog = find(services, 'shop.Catalog')!;
    expect(catalog.protocol).toBe('thrift');
    expect([...catalog.methods.keys()]).toEqual(['ping', 'get', 'put', 'remove', 'touch', 'touched', 'count', 'echo', 'half', 'reverse', 'nextColor', 'prices', 'sleep']);
    expect(method(catalog, 'touch').oneway).toBe(true);
    expect(method(catalog, 'get').oneway).toBe(false);
    expect(thriftRequestExample(method(catalog, 'get'))).toEqual({ id: '1' });
  });

  test('without entries every file is compiled, and nothing is printed', () => {
    const spies = [jest.spyOn(console, 'log'), jest.spyOn(console, 'error'), jest.spyOn(console, 'warn')];
    try {
      expect(compileThrift(shopFiles()).services).toHaveLength(2);
      idlError({ 'bad.thrift': 'struct {' });
      for (const s of spies) expect(s).not.toHaveBeenCalled();
    } finally {
      for (const s of spies) s.mockRestore();
    }
  });

  test('includes resolve relative to the including file, then as given', () => {
    const files = {
      'api/main.thrift': 'include "types/t.thrift"\ninclude "shared/s.thrift"\nservice Main { t.T get(1: s.S s) }',
      'api/types/t.thrift': 'struct T { 1: i32 x }',
      'shared/s.thrift': 'include "../api/types/t.thrift"\nstruct S { 1: t.T inner }',
    };
    const { services } = compileThrift(files, ['api/main.thrift']);
    expect(services.map((s) => s.name)).toEqual(['main.Main']);
    const m = method(services[0], 'get');
    expect(thriftRequestExample(m)).toEqual({ s: { inner: { x: 1 } } });
    expect(m.encodeArgs({ s: { inner: { x: 5 } } }, 'binary').toString('hex')).toBe('0c0001' + '0c0001' + '0800010000000500' + '00' + '00');
  });

  test('typedefs (chained, across includes) and enums resolve to their types', () => {
    const files = {
      'a.thrift': 'include "b.thrift"\ntypedef b.Id Key\ntypedef Key Key2\ntypedef b.Color C\nservice S { Key2 f(1: Key2 k, 2: C c, 3: b.Ids ids) }',
      'b.thrift': 'typedef i64 Id\ntypedef list<Id> Ids\nenum Color { RED, GREEN = 5, BLUE }',
    };
    const m = method(compileThrift(files, ['a.thrift']).services[0], 'f');
    expect(thriftRequestExample(m)).toEqual({ k: '1', c: 'RED', ids: ['1'] });
    const bytes = m.encodeArgs({ k: '9223372036854775807', c: 'BLUE', ids: [1] }, 'binary');
    expect(bytes.toString('hex')).toBe('0a00017fffffffffffffff' + '08000200000006' + '0f00030a000000010000000000000001' + '00');
    expect(thriftResponseExample(m)).toBe('1');
  });

  test('extends across includes and in chains', () => {
    const files = {
      'top.thrift': 'include "base.thrift"\nservice Mid extends base.Root { void mid() }\nservice Leaf extends Mid { void leaf(), void root(1: i32 overridden) }',
      'base.thrift': 'service Root { void root(), i32 other() }',
    };
    const { services } = compileThrift(files, ['top.thrift']);
    expect([...find(services, 'top.Leaf')!.methods.keys()]).toEqual(['root', 'other', 'mid', 'leaf']);
    expect(thriftRequestExample(method(find(services, 'top.Leaf'), 'root'))).toEqual({ overridden: 1 });
    expect([...find(services, 'base.Root')!.methods.keys()]).toEqual(['root', 'other']);
  });

  test('unions, recursive structs, exceptions with transmesh.code and implicit field ids', () => {
    const files = {
      'x.thrift': [
        'union U { 1: string a, 2: Node n }',
        'struct Node { 1: list<Node> kids, 2: optional U u }',
        'exception Gone { 1: string message } (transmesh.code = "NOT_FOUND")',
        'service X { Node walk(Node n, i32 depth) throws (1: Gone gone) }',
      ].join('\n'),
    };
    const m = method(compileThrift(files).services[0], 'walk');
    // Fields without ids get -1, -2, ... as the Thrift compiler gives them.
    expect(m.encodeArgs({ n: {}, depth: 1 }, 'binary').toString('hex')).toBe('0cffff00' + '08fffe00000001' + '00');
    expect(thriftRequestExample(m)).toEqual({ n: { kids: [{}], u: { a: 'text' } }, depth: 1 });
  });

  test('a syntax error names file:line:col', () => {
    const err = idlError({ 'bad.thrift': 'struct A {\n  1: i32 x\n  2: foo bar baz\n}\n' });
    expect(err.file).toBe('bad.thrift');
    expect(err.line).toBe(3);
    expect(err.col).toBe(14);
    expect(err.message).toMatch(/^bad\.thrift:3:14: /);
  });

  test('an unresolved include names the including line', () => {
    const err = idlError({ 'a.thrift': 'namespace java x\ninclude "missing.thrift"\n' });
    expect(err.message).toBe('a.thrift:2:1: cannot find include "missing.thrift"');
  });

  const refused: [string, Record<string, string>, RegExp][] = [
    ['unknown type', { 'a.thrift': 'struct A {\n  1: Nope x\n}' }, /^a\.thrift:2:6: unknown type "Nope"$/],
    ['unknown type of an include', { 'a.thrift': 'include "b.thrift"\nstruct A { 1: b.Nope x }', 'b.thrift': '' }, /^a\.thrift:2:15: unknown type "b\.Nope"$/],
    ['type of a module not included', { 'a.thrift': 'struct A { 1: b.T x }', 'b.thrift': 'struct T {}' }, /unknown type "b\.T"/],
    ['unknown type in a method', { 'a.thrift': 'service S {\n  void f(1: Missing m)\n}' }, /^a\.thrift:2:13: unknown type "Missing"/],
    ['unknown return type', { 'a.thrift': 'service S { Missing f() }' }, /unknown type "Missing"/],
    ['unknown base service', { 'a.thrift': 'service S extends Nope {}' }, /^a\.thrift:1:11: unknown base service "Nope"/],
    ['base that is not a service', { 'a.thrift': 'struct T {}\nservice S extends T {}' }, /"T" is not a service/],
    ['extends cycle', { 'a.thrift': 'service A extends B {}\nservice B extends A {}' }, /extends itself/],
    ['bad transmesh.code', { 'a.thrift': 'exception E { 1: string message } (transmesh.code = "NOPE")' }, /^a\.thrift:1:\d+: transmesh\.code "NOPE" is not an error code/],
    ['OK is not an error code', { 'a.thrift': 'exception E {} (transmesh.code = "OK")' }, /transmesh\.code "OK"/],
    ['typedef loop', { 'a.thrift': 'typedef B A\ntypedef A B' }, /refers to itself/],
    ['duplicate field id', { 'a.thrift': 'struct A { 1: i32 x, 1: i32 y }' }, /field id 1 is used twice/],
    ['duplicate field name', { 'a.thrift': 'struct A { 1: i32 x, 2: i32 x }' }, /field x is defined twice/],
    ['duplicate definition', { 'a.thrift': 'struct A {}\nenum A { X }' }, /^a\.thrift:2:6: "A" is defined twice/],
    ['throws a struct', { 'a.thrift': 'struct E {}\nservice S { void f() throws (1: E e) }' }, /f throws a type that is not an exception/],
    ['oneway with a result', { 'a.thrift': 'service S { oneway i32 f() }' }, /oneway method f must return void/],
    ['service used as a type', { 'a.thrift': 'service T {}\nstruct A { 1: T t }' }, /"T" is not a type/],
    ['duplicate method', { 'a.thrift': 'service S { void f(), void f() }' }, /method f is defined twice/],
  ];
  test.each(refused)('refuses: %s', (_what, files, message) => {
    expect(idlError(files).message).toMatch(message);
  });

  test('an entry that is not in the bundle is refused', () => {
    expect(idlError({ 'a.thrift': '' }, ['b.thrift']).message).toMatch(/^b\.thrift: no such file/);
  });

  test('only files reached from the entries are compiled', () => {
    const files = { 'a.thrift': 'service A {}', 'broken.thrift': 'struct {' };
    expect(compileThrift(files, ['a.thrift']).services.map((s) => s.name)).toEqual(['a.A']);
  });
});

describe('thriftIncludesOf', () => {
  test('lists includes as written', () => {
    expect(thriftIncludesOf(shopFiles()['shop.thrift'])).toEqual(['common.thrift']);
    expect(thriftIncludesOf('include "a/b.thrift"\ninclude \'c.thrift\'\nstruct X {}')).toEqual(['a/b.thrift', 'c.thrift']);
    expect(thriftIncludesOf('struct X {}')).toEqual([]);
  });

  test('still finds includes in a file with a syntax error, skipping comments', () => {
    expect(thriftIncludesOf('include "x.thrift"\n// include "no.thrift"\n/* include "no2.thrift" */\nstruct {')).toEqual(['x.thrift']);
  });
});
