import type { GrpcMethod } from '../../adapters/grpc/grpc-model';
import { IdlError } from '../../src/idl/model';
import { thrownBy } from '../helpers/thrown';
import { compileProto, protoImportsOf } from '../../adapters/grpc/proto-compile';
import { parseJson } from '../../src/json/parse-json';
import { protoCodec } from '../../adapters/grpc/codec/proto-codec';
import { fixtureFiles } from '../fixtures/proto/load-fixture';

const acme = fixtureFiles('acme/common/v1/money.proto', 'acme/users/v1/users.proto');

const compileError = (files: Record<string, string>, entries?: string[]) => thrownBy(() => compileProto(files, entries), IdlError);

describe('compileProto: a good bundle', () => {
  const { root, bundle } = compileProto(acme);

  test('one service model per service, methods by name, gRPC paths and streaming flags', () => {
    expect(bundle.services.map((s) => [s.name, s.protocol])).toEqual([['acme.users.v1.UserService', 'grpc']]);
    const svc = bundle.services[0]!;
    expect([...svc.methods.keys()]).toEqual(['GetUser', 'ListUsers', 'Batch']);
    const get = svc.methods.get('GetUser') as GrpcMethod;
    expect(get).toMatchObject({ name: 'GetUser', path: '/acme.users.v1.UserService/GetUser', clientStreaming: false, serverStreaming: false });
    expect(get.request.typeName).toBe('acme.users.v1.GetUserRequest');
    expect(get.response.typeName).toBe('acme.users.v1.User');
    expect(svc.methods.get('ListUsers')).toMatchObject({ clientStreaming: false, serverStreaming: true });
    expect(svc.methods.get('Batch')).toMatchObject({ clientStreaming: true, serverStreaming: false });
  });

  test('codecs work across imports, well-known types and google.rpc', () => {
    const svc = bundle.services[0]!;
    const get = svc.methods.get('GetUser') as GrpcMethod;
    const user = '{"userId":"u1","displayName":"Ann","balance":{"currencyCode":"EUR","units":"9223372036854775807"},"createdAt":"2024-01-01T00:00:00Z"}';
    expect(get.response.toJson(get.response.encode(parseJson(user)), { int64AsNumber: false })).toBe(user);
    const batch = (svc.methods.get('Batch') as GrpcMethod).response;
    const statuses = '{"statuses":[{"code":5,"message":"m","details":[{"@type":"type.googleapis.com/acme.common.v1.Money","units":"1"}]}]}';
    expect(batch.toJson(batch.encode(parseJson(statuses)), { int64AsNumber: false })).toBe(statuses);
  });

  test('the root holds the pushed types, the imported well-known types and google.rpc', () => {
    expect(root.lookupType('acme.common.v1.Money').fieldsArray.map((f) => f.name)).toEqual(['currency_code', 'units']);
    expect(root.lookupType('google.protobuf.Timestamp').fieldsArray.map((f) => [f.name, f.type])).toEqual([['seconds', 'int64'], ['nanos', 'int32']]);
    expect(root.lookupType('google.rpc.Status').fieldsArray.map((f) => [f.name, f.type, f.repeated])).toEqual([['code', 'int32', false], ['message', 'string', false], ['details', 'google.protobuf.Any', true]]);
  });

  test('entries restrict what is loaded; their imports are still followed', () => {
    const onlyMoney = compileProto(acme, ['acme/common/v1/money.proto']);
    expect(onlyMoney.bundle.services).toEqual([]);
    expect(onlyMoney.root.lookup('acme.users.v1.User')).toBeNull();
    const users = compileProto(acme, ['acme/users/v1/users.proto']);
    expect(users.root.lookup('acme.common.v1.Money')?.fullName).toBe('.acme.common.v1.Money');
    expect(users.bundle.services.map((s) => s.name)).toEqual(['acme.users.v1.UserService']);
  });

  test('imports relative to the importing file resolve too', () => {
    const files = {
      'a/b/main.proto': 'syntax = "proto3";\npackage m;\nimport "dep.proto";\nmessage Main { m.Dep d = 1; }\nservice S { rpc Go(Main) returns (Dep); }\n',
      'a/b/dep.proto': 'syntax = "proto3";\npackage m;\nmessage Dep { string x = 1; }\n',
    };
    expect(compileProto(files).bundle.services[0]!.name).toBe('m.S');
  });

  test('google/api annotations, descriptor options and the other bundled protos import', () => {
    const files = {
      'svc.proto': `syntax = "proto3";
package s;
import "google/api/annotations.proto";
import "google/protobuf/descriptor.proto";
import "google/protobuf/empty.proto";
import "google/rpc/error_details.proto";
import "google/rpc/code.proto";
extend google.protobuf.FieldOptions { string hint = 50001; }
message Req { string id = 1 [(hint) = "x"]; google.rpc.Code code = 2; }
service S {
  rpc Get(Req) returns (google.protobuf.Empty) { option (google.api.http) = { get: "/v1/{id}" }; }
}
`,
    };
    const { bundle } = compileProto(files);
    const get = bundle.services[0]!.methods.get('Get') as GrpcMethod;
    expect(get.response.typeName).toBe('google.protobuf.Empty');
    expect(get.request.toJson(get.request.encode({ id: 'a', code: 'NOT_FOUND' }), { int64AsNumber: false })).toBe('{"id":"a","code":"NOT_FOUND"}');
  });

  test('a pushed copy of a well-known proto is shadowed by the bundled one', () => {
    const files = {
      'google/protobuf/timestamp.proto': 'this is not even valid proto',
      'x.proto': 'syntax = "proto3";\npackage x;\nimport "google/protobuf/timestamp.proto";\nmessage X { google.protobuf.Timestamp t = 1; }\n',
    };
    const { root } = compileProto(files, ['x.proto']);
    expect(root.lookupType('google.protobuf.Timestamp').fieldsArray.map((f) => f.name)).toEqual(['seconds', 'nanos']);
    // ... and the codec treats it as the well-known type: RFC 3339 text both ways.
    const x = protoCodec(root.lookupType('x.X'));
    expect(x.toJson(x.encode(parseJson('{"t":"2024-05-01T10:00:00.5Z"}')), { int64AsNumber: false })).toBe('{"t":"2024-05-01T10:00:00.500Z"}');
  });
});

describe('compileProto: refusals carry file:line:col', () => {
  const base = 'syntax = "proto3";\npackage p;\n';
  test.each([
    ['missing semicolon', `${base}message M {\n  int32 a = 1\n  int32 b = 2;\n}\n`, "bad/f.proto:5:3: illegal token 'int32', ';' expected"],
    ['the right one of two equal tokens', `${base}message M { int32 a = 1 int32 b = 2; }\n`, "bad/f.proto:3:25: illegal token 'int32', ';' expected"],
    ['field without a name', `${base}message M {\n  int32 = 1;\n}\n`, "bad/f.proto:4:9: illegal name '='"],
    ['bad type name', `${base}message 1M {}\n`, "bad/f.proto:3:9: illegal type name '1M'"],
    ['unterminated string', `${base}option java_package = "abc\n;`, 'bad/f.proto:3:23: illegal string'],
    ['end of input', `${base}message M {\n  int32 a = 1;\n`, 'bad/f.proto:4:15: unexpected end of input'],
    ['a comment does not shift the column', `${base}/* x */ message M { int32 a = 1 }\n`, "bad/f.proto:3:33: illegal token '}', ';' expected"],
    ['unresolved import', `${base}// import "commented.proto";\nimport "nope/missing.proto";\n`, 'bad/f.proto:4:1: import "nope/missing.proto" not found (not in the pushed files, not a bundled proto)'],
    ['unknown field type', `${base}message M {\n  int32 a = 1;\n  repeated Foo foo = 2;\n}\n`, 'bad/f.proto:5:12: unknown type "Foo" (field p.M.foo)'],
    ['unknown map value type', `${base}message M {\n  map<string, Bar> bars = 2;\n}\n`, 'bad/f.proto:4:15: unknown type "Bar" (field p.M.bars)'],
    ['unknown rpc type', `${base}message M {}\nservice S {\n  rpc Get (M) returns (Missing);\n}\n`, 'bad/f.proto:5:24: unknown type "Missing" (rpc p.S.Get)'],
    ['unknown extended type', 'syntax = "proto2";\npackage p;\nextend Nope { optional int32 x = 100; }\n', 'bad/f.proto:3:8: unknown type "Nope" (extend)'],
    ['duplicate message', `${base}message M {}\n\nmessage M {}\n`, "bad/f.proto:5:9: duplicate name 'M' in Namespace .p"],
    ['duplicate field name', `${base}message M {\n  int32 a = 1;\n  string a = 2;\n}\n`, "bad/f.proto:5:10: duplicate name 'a' in Type M"],
    ['duplicate field number', `${base}message M {\n  int32 a = 1;\n  string b = 1;\n}\n`, 'bad/f.proto:5:14: duplicate id 1 in Type M'],
  ])('%s', (_name, source, message) => {
    const err = compileError({ 'bad/f.proto': source });
    expect(err.message).toBe(message);
    const [file, line, col] = message.split(':');
    expect([err.file, err.line, err.col]).toEqual([file, Number(line), Number(col)]);
  });

  test('an error in an imported file names that file', () => {
    const err = compileError({
      'main.proto': 'syntax = "proto3";\npackage p;\nimport "dep.proto";\n',
      'dep.proto': 'syntax = "proto3";\npackage p;\nmessage D {\n  Nope n = 1;\n}\n',
    });
    expect(err.message).toBe('dep.proto:4:3: unknown type "Nope" (field p.D.n)');
  });

  test('the same type defined in two files', () => {
    const err = compileError({
      'a.proto': 'syntax = "proto3";\npackage p;\nmessage Same {}\n',
      'b.proto': 'syntax = "proto3";\npackage p;\n\nmessage Same {}\n',
    });
    expect(err.message).toBe("b.proto:4:9: duplicate name 'Same' in Namespace .p");
  });

  test('an unknown import deep in the chain points at its import statement', () => {
    const err = compileError({
      'main.proto': 'syntax = "proto3";\nimport "dep.proto";\n',
      'dep.proto': 'syntax = "proto3";\n\n  import public "gone.proto";\n',
    });
    expect(err.message).toBe('dep.proto:3:3: import "gone.proto" not found (not in the pushed files, not a bundled proto)');
  });
});

describe('protoImportsOf', () => {
  test('lists imports in order, ignoring comments, with weak and public', () => {
    expect(protoImportsOf(acme['acme/users/v1/users.proto']!)).toEqual(['acme/common/v1/money.proto', 'google/protobuf/timestamp.proto', 'google/rpc/status.proto']);
    expect(protoImportsOf(acme['acme/common/v1/money.proto']!)).toEqual([]);
    expect(protoImportsOf('import weak "a.proto";\nimport public \'b.proto\';\n/* import "c.proto"; */\nimport "d.proto" ;')).toEqual(['a.proto', 'b.proto', 'd.proto']);
  });
});
