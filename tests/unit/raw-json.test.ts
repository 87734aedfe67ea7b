import { RawJson, stringifyWithRaw } from '../../src/json/raw-json';
import { errorBody } from '../../src/sidecar/outbound/http-status';
import { MeshError } from '../../src/errors/mesh-error';

describe('stringifyWithRaw', () => {
  test('embeds raw JSON text verbatim, exact 64-bit numbers included', () => {
    expect(stringifyWithRaw({ a: new RawJson('{"id":9223372036854775807}'), b: [new RawJson('-1'), 'x'] })).toBe('{"a":{"id":9223372036854775807},"b":[-1,"x"]}');
  });

  test('leaves ordinary values and lookalike strings alone', () => {
    expect(stringifyWithRaw({ s: '\u0000raw0\u0000', n: 1 })).toBe(JSON.stringify({ s: '\u0000raw0\u0000', n: 1 }));
  });

  test('the error body carries a Thrift exception written with exact numbers', () => {
    const err = new MeshError('NOT_FOUND', 'gone', { extra: { thrift: { exception: 'm.NotFound', value: new RawJson('{"id":18446744073709551615}') } } });
    expect(errorBody(err, 'r1')).toBe('{"error":{"code":"NOT_FOUND","message":"gone","details":[],"requestId":"r1","thrift":{"exception":"m.NotFound","value":{"id":18446744073709551615}}}}');
  });
});
