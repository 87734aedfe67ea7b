import { builtinRoot } from '../../adapters/grpc/codec/any-types';
import { statusDetailsToJson } from '../../adapters/grpc/codec/status-details';
import { everythingRoot } from '../fixtures/proto/load-fixture';

function any(url: string, value: Uint8Array): { type_url: string; value: Uint8Array } {
  return { type_url: url, value };
}

// Roots are loaded with keepCase, so protobufjs objects use the declared (snake_case) names.
describe('statusDetailsToJson', () => {
  const builtin = builtinRoot();
  const Status = builtin.lookupType('google.rpc.Status');
  const ErrorInfo = builtin.lookupType('google.rpc.ErrorInfo');
  const RetryInfo = builtin.lookupType('google.rpc.RetryInfo');
  const BadRequest = builtin.lookupType('google.rpc.BadRequest');
  const Item = everythingRoot().lookupType('codec.v1.Item');

  const statusBytes = Buffer.from(
    Status.encode({
      code: 5,
      message: 'not found',
      details: [
        any('type.googleapis.com/google.rpc.ErrorInfo', ErrorInfo.encode({ reason: 'USER_MISSING', domain: 'acme.com', metadata: { id: '42' } }).finish()),
        any('type.googleapis.com/google.rpc.RetryInfo', RetryInfo.encode({ retry_delay: { seconds: 1, nanos: 500000000 } }).finish()),
        any('type.googleapis.com/google.rpc.BadRequest', BadRequest.encode({ field_violations: [{ field: 'user_id', description: 'empty' }] }).finish()),
        any('type.googleapis.com/codec.v1.Item', Item.encode({ item_id: 'x', price: '9223372036854775807' }).finish()),
        any('type.googleapis.com/other.Unknown', Uint8Array.from([8, 1])),
      ],
    }).finish(),
  );

  const expected = [
    { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'USER_MISSING', domain: 'acme.com', metadata: { id: '42' } },
    { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1.500s' },
    { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'user_id', description: 'empty' }] },
    { '@type': 'type.googleapis.com/codec.v1.Item', itemId: 'x', price: '9223372036854775807' },
    { '@type': 'type.googleapis.com/other.Unknown', value: 'CAE=' },
  ];

  test('renders each detail with the service root and the bundled google.rpc types', () => {
    expect(statusDetailsToJson(statusBytes, everythingRoot())).toEqual(expected);
  });

  test('takes the base64 text of the trailer too', () => {
    expect(statusDetailsToJson(statusBytes.toString('base64'), everythingRoot())).toEqual(expected);
  });

  test('a type only the service root knows is base64 for another root', () => {
    const other = statusDetailsToJson(statusBytes, builtin);
    expect(other[3]).toEqual({ '@type': 'type.googleapis.com/codec.v1.Item', value: Buffer.from(Item.encode({ item_id: 'x', price: '9223372036854775807' }).finish()).toString('base64') });
  });

  test('a detail whose bytes do not decode falls back to base64; the others still render', () => {
    const bytes = Status.encode({
      code: 3,
      details: [any('type.googleapis.com/google.rpc.ErrorInfo', Uint8Array.from([0x0a, 0x09, 0x41])), any('type.googleapis.com/google.rpc.ErrorInfo', ErrorInfo.encode({ reason: 'R' }).finish())],
    }).finish();
    expect(statusDetailsToJson(Buffer.from(bytes), everythingRoot())).toEqual([
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', value: 'CglB' },
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'R' },
    ]);
  });

  test('never throws: garbage and empty input give []', () => {
    expect(statusDetailsToJson(Buffer.from([0xff, 0xff, 0xff]), everythingRoot())).toEqual([]);
    expect(statusDetailsToJson('%%%not base64', everythingRoot())).toEqual([]);
    expect(statusDetailsToJson(Buffer.alloc(0), everythingRoot())).toEqual([]);
    expect(statusDetailsToJson(Buffer.from(Status.encode({ code: 2, message: 'm' }).finish()), everythingRoot())).toEqual([]);
  });
});
