import { compileThrift } from '../../adapters/thrift/thrift-compile';
import type { ThriftMethod, ThriftProtocolName } from '../../adapters/thrift/thrift-model';
import type { JsonValue } from '../../src/json/json-value';

/**
 * A compact IDL for codec tests. Every method `T m(0: T v)` has an args struct whose bytes
 * are exactly a `_result` struct with the success field set, so `decodeResult(encodeArgs(x))`
 * is a full round trip through bytes.
 */
export const CODEC_IDL = `
enum Color { RED = 1, GREEN = 2, BLUE = 7 }
struct P { 1: i32 x, 2: i32 y }
union U { 1: string a, 2: i32 b, 3: P p }
struct S {
  1: bool b, 2: byte by, 3: i16 s, 4: i32 i, 5: i64 l, 6: double d, 7: string str, 8: binary bin,
  9: Color c, 10: list<i32> li, 11: set<string> ss, 12: map<string, i32> ms, 13: map<i32, string> mi,
  14: map<i64, string> ml, 15: map<Color, i32> me, 16: map<P, string> mp, 17: map<bool, i32> mb,
  18: map<double, i32> md, 19: map<binary, i32> mbin, 20: map<list<i32>, i32> mlist, 21: list<P> lp,
  22: U u, 23: optional S self, 24: map<byte, i32> mby, 25: map<i16, i32> m16, 26: list<bool> lb,
  27: list<list<string>> ll, 28: map<string, list<P>> mlp, 29: set<i64> sl
}
struct Req { 1: required i32 a, 2: optional string note, 3: string plain }
struct Loose { 1: optional i32 a, 2: optional string note, 3: string plain, 99: string extra }
struct Wide { 9: i32 c, 5: string l }
exception Boom { 1: string message, 2: i64 id } (transmesh.code = "FAILED_PRECONDITION")
exception Bare { 1: i32 why }
service T {
  S s(0: S v),
  Req req(0: Req v),
  Loose loose(0: Loose v),
  i64 l(0: i64 v),
  string str(0: string v),
  double d(0: double v),
  bool b(0: bool v),
  Color color(0: Color v),
  U u(0: U v),
  list<i32> li(0: list<i32> v),
  map<i64, string> ml(0: map<i64, string> v),
  void nothing(),
  i32 fails(1: i32 a, 2: optional string b) throws (1: Boom boom, 2: Bare bare),
  oneway void fire(1: i64 id),
  Wide wide(0: Wide v),
  void raise(1: Boom boom, 2: Bare bare)
}
`;

const svc = compileThrift({ 'codec.thrift': CODEC_IDL }).services[0];

export function codecMethod(name: string): ThriftMethod {
  const m = svc.methods.get(name);
  if (!m || !('encodeArgs' in m)) throw new Error(`no method ${name}`);
  return m as ThriftMethod;
}

export const PROTOCOLS: ThriftProtocolName[] = ['binary', 'compact'];

/** Encodes `{v: value}` with method `name` and decodes the bytes back as its result. */
export function roundTrip(name: string, value: JsonValue, protocol: ThriftProtocolName, int64AsNumber = false): string {
  const m = codecMethod(name);
  return m.decodeResult(m.encodeArgs({ v: value }, protocol), protocol, { int64AsNumber });
}
