import { applicationExceptionToError } from '../../adapters/thrift/codec/application-exception';
import { newWriter } from '../../adapters/thrift/codec/protocols';
import { T } from '../../adapters/thrift/codec/wire-types';
import type { ThriftProtocolName } from '../../adapters/thrift/thrift-model';

function appException(protocol: ThriftProtocolName, message: string | undefined, type: number | undefined): Buffer {
  const w = newWriter(protocol);
  w.structBegin();
  if (message !== undefined) {
    w.fieldBegin(T.STRING, 1);
    w.string(message);
  }
  if (type !== undefined) {
    w.fieldBegin(T.I32, 2);
    w.i32(type);
  }
  w.fieldBegin(T.LIST, 3); // an unknown field is skipped
  w.listBegin(T.I32, 1);
  w.i32(5);
  w.structEnd();
  return w.finish();
}

const mapping: [number, string, string][] = [
  [0, 'UNKNOWN', 'UNKNOWN'],
  [1, 'UNKNOWN_METHOD', 'UNIMPLEMENTED'],
  [2, 'INVALID_MESSAGE_TYPE', 'INTERNAL'],
  [3, 'WRONG_METHOD_NAME', 'INTERNAL'],
  [4, 'BAD_SEQUENCE_ID', 'INTERNAL'],
  [5, 'MISSING_RESULT', 'INTERNAL'],
  [6, 'INTERNAL_ERROR', 'INTERNAL'],
  [7, 'PROTOCOL_ERROR', 'INVALID_ARGUMENT'],
  [8, 'INVALID_TRANSFORM', 'UNIMPLEMENTED'],
  [9, 'INVALID_PROTOCOL', 'UNIMPLEMENTED'],
  [10, 'UNSUPPORTED_CLIENT_TYPE', 'UNIMPLEMENTED'],
  [99, '99', 'UNKNOWN'],
];

describe.each(['binary', 'compact'] as ThriftProtocolName[])('applicationExceptionToError (%s)', (protocol) => {
  test.each(mapping)('type %d (%s) is %s', (type, name, code) => {
    const err = applicationExceptionToError(appException(protocol, 'went wrong', type), protocol);
    expect(err.code).toBe(code);
    expect(err.message).toBe('went wrong');
    expect(err.extra).toEqual({ thrift: { exception: 'TApplicationException', value: { message: 'went wrong', type: name } } });
  });

  test('no message: the type names it', () => {
    const err = applicationExceptionToError(appException(protocol, undefined, 6), protocol);
    expect(err.message).toBe('TApplicationException INTERNAL_ERROR');
  });

  test("Apache Node servers' unknown-method exception has no type but is still UNIMPLEMENTED", () => {
    const err = applicationExceptionToError(appException(protocol, 'Unknown function nope', undefined), protocol);
    expect(err.code).toBe('UNIMPLEMENTED');
    expect(applicationExceptionToError(appException(protocol, 'Unknown function nope', 0), protocol).code).toBe('UNKNOWN');
  });

  test('bytes that do not decode are INTERNAL', () => {
    expect(applicationExceptionToError(Buffer.from([0x0b]), protocol).code).toBe('INTERNAL');
  });
});
