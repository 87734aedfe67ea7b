import { parseHttpUrl } from '../../adapters/http/http-url';
import { codeOfHttpStatus } from '../../adapters/http/http-status';
import { replyOfAnswer } from '../../adapters/http/json-answer';
import { MeshError } from '../../src/errors/mesh-error';
import { parseJson } from '../../src/json/parse-json';
import { compileProto } from '../../adapters/grpc/proto-compile';
import { shopService, thriftMethod } from '../helpers/thrift-fixtures';
import { thrownBy } from '../helpers/thrown';

const asString = { int64AsNumber: false };

describe('http:// provider URLs', () => {
  test('host, port, a path prefix and int64=number', () => {
    expect(parseHttpUrl('http://127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080, prefix: '', int64AsNumber: false });
    expect(parseHttpUrl('http://php.local:80/rpc/?int64=number')).toEqual({ host: 'php.local', port: 80, prefix: '/rpc', int64AsNumber: true });
    expect(parseHttpUrl('http://[::1]:9000/a/b')).toMatchObject({ host: '::1', prefix: '/a/b' });
  });

  test.each([
    ['https://h:1', /scheme must be http/],
    ['http://h', /missing port/],
    ['http://u:p@h:1', /credentials/],
    ['http://h:1?defaults=maybe', /unknown option "defaults"/],
    ['http://h:1?int64=big', /int64 must be number or string/],
    ['http://h:1#x', /fragment/],
  ])('%s is refused with the reason', (url, why) => {
    expect(() => parseHttpUrl(url)).toThrow(why);
  });
});

describe('HTTP statuses without the envelope map as gRPC maps HTTP', () => {
  test.each([
    [400, 'INTERNAL'],
    [401, 'UNAUTHENTICATED'],
    [403, 'PERMISSION_DENIED'],
    [404, 'UNIMPLEMENTED'],
    [429, 'UNAVAILABLE'],
    [502, 'UNAVAILABLE'],
    [503, 'UNAVAILABLE'],
    [504, 'UNAVAILABLE'],
    [500, 'UNKNOWN'],
    [418, 'UNKNOWN'],
  ])('%i → %s', (status, code) => expect(codeOfHttpStatus(status)).toBe(code));
});

describe("an HTTP/JSON provider's answer", () => {
  const users = compileProto({
    'u.proto': 'syntax = "proto3"; package u; message Req { int64 id = 1; } message User { int64 id = 1; string email = 2; } service S { rpc Get(Req) returns (User); }',
  }).bundle.services[0];
  const get = users.methods.get('Get')!;
  const item = thriftMethod(shopService(), 'get');

  test('200: the JSON answer becomes the reply message, read back as the same JSON', () => {
    const reply = replyOfAnswer(get, 200, '{"id": 9223372036854775807, "email": "a@b"}', { k: 'v' });
    expect(reply.status).toBe(0);
    expect(reply.metadata).toEqual({ k: 'v' });
    expect(get.json.decodeReply({ payload: Buffer.from(reply.payload!), headers: {}, encoding: undefined }, asString)).toBe('{"id":"9223372036854775807","email":"a@b"}');
  });

  test('an answer the IDL does not allow, or no JSON at all, is INTERNAL naming what is wrong', () => {
    expect(thrownBy(() => replyOfAnswer(get, 200, '{"email": 5}', {}), MeshError)).toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('email') });
    expect(thrownBy(() => replyOfAnswer(get, 200, '{"nope": 1}', {}), MeshError)).toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('nope') });
    expect(thrownBy(() => replyOfAnswer(get, 200, '<html>', {}), MeshError)).toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('not JSON') });
  });

  test("the mesh's envelope gives its code and message, with the answer's metadata", () => {
    const err = thrownBy(() => replyOfAnswer(get, 404, '{"error": {"code": "NOT_FOUND", "message": "no user 5"}}', { k: 'v' }), MeshError);
    expect(err).toMatchObject({ code: 'NOT_FOUND', message: 'no user 5', metadata: { k: 'v' } });
    // A code the mesh does not know is no envelope: the status decides.
    expect(thrownBy(() => replyOfAnswer(get, 503, '{"error": {"code": "BUSY"}}', {}), MeshError).code).toBe('UNAVAILABLE');
    expect(thrownBy(() => replyOfAnswer(get, 500, 'Fatal error', {}), MeshError)).toMatchObject({ code: 'UNKNOWN', message: 'the provider answered HTTP 500' });
  });

  test('a declared Thrift exception becomes the result struct that carries it; an undeclared one is INTERNAL', () => {
    const reply = replyOfAnswer(item, 404, '{"error": {"code": "NOT_FOUND", "thrift": {"exception": "common.NotFound", "value": {"message": "gone", "id": 3}}}}', {});
    expect(reply.status).toBe(0);
    const err = thrownBy(() => item.json.decodeReply({ payload: Buffer.from(reply.payload!), headers: {}, encoding: undefined }, asString), MeshError);
    expect(err).toMatchObject({ code: 'NOT_FOUND', message: 'gone', extra: { thrift: { exception: 'common.NotFound', value: { message: 'gone', id: '3' } } } });
    expect(thrownBy(() => replyOfAnswer(item, 404, '{"error": {"thrift": {"exception": "shop.Other", "value": {}}}}', {}), MeshError).code).toBe('INTERNAL');
  });
});

describe('the provider side of a Thrift function', () => {
  const item = thriftMethod(shopService(), 'get');
  test.each(['binary', 'compact'] as const)('%s arguments out as JSON, the answer back as the result the consumer reads', (encoding) => {
    const args = item.encodeArgs(parseJson('{"id": 12}'), encoding);
    expect(item.provider.decodeRequest(args, encoding, asString)).toBe('{"id":"12"}');
    expect(item.provider.decodeRequest(args, encoding, { int64AsNumber: true })).toBe('{"id":12}');
    const result = item.provider.encodeReply(parseJson('{"id": 12, "name": "pen"}'), encoding);
    expect(item.decodeResult(Buffer.from(result), encoding, asString)).toBe('{"id":"12","name":"pen"}');
  });

  test('an answer missing a required field is refused naming it', () => {
    expect(thrownBy(() => item.provider.encodeReply(parseJson('{"id": 1}'), undefined), MeshError)).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('name') });
  });
});
