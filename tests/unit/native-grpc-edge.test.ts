import { protocolOf } from '../../src/sidecar/outbound/first-bytes';
import { grpcErrorTrailers } from '../../src/sidecar/outbound/grpc-status';
import { callerMetadata, timeoutMsOf } from '../../src/sidecar/outbound/grpc-metadata';
import { decodeGrpcMessage, encodeGrpcMessage } from '../../src/transport/grpc/grpc-frame';
import { exhausted, MeshError } from '../../src/errors/mesh-error';
import { thrownBy } from '../helpers/thrown';
import { serviceOf } from '../../src/sidecar/outbound/grpc-health';

const preface = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';

describe('the app listener tells HTTP/2 from HTTP/1 by the first bytes', () => {
  test('the whole preface is HTTP/2; a prefix of it asks for more', () => {
    expect(protocolOf(Buffer.from(preface))).toBe('h2');
    expect(protocolOf(Buffer.from(preface + '\x00\x00\x12\x04'))).toBe('h2');
    for (const n of [0, 1, 3, 4, 16, 23]) expect(protocolOf(Buffer.from(preface.slice(0, n)))).toBeUndefined();
  });

  test('POST shares its first byte with the preface and is still HTTP/1, from the second byte on', () => {
    expect(protocolOf(Buffer.from('P'))).toBeUndefined();
    expect(protocolOf(Buffer.from('PO'))).toBe('http1');
    expect(protocolOf(Buffer.from('POST /a.B/C HTTP/1.1\r\n'))).toBe('http1');
    expect(protocolOf(Buffer.from('GET / HTTP/1.1\r\n'))).toBe('http1');
  });

  test('a preface that goes wrong late is not HTTP/2', () => {
    expect(protocolOf(Buffer.from('PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n'))).toBe('http1');
    expect(protocolOf(Buffer.from([0x16, 0x03, 0x01]))).toBe('http1');
  });
});

describe('MeshError as a gRPC status', () => {
  test('the code a JSON caller would get, the message percent-encoded as gRPC says', () => {
    expect(grpcErrorTrailers(new MeshError('NOT_FOUND', 'no user 5: gone'))).toEqual({ 'grpc-status': '5', 'grpc-message': 'no user 5: gone' });
    expect(grpcErrorTrailers(new MeshError('INVALID_ARGUMENT', '100% wrong ü'))).toEqual({ 'grpc-status': '3', 'grpc-message': '100%25 wrong %C3%BC' });
    expect(grpcErrorTrailers(new Error('boom'))).toEqual({ 'grpc-status': '13', 'grpc-message': 'boom' });
  });

  test("a provider's details and metadata pass as they came", () => {
    const err = new MeshError('FAILED_PRECONDITION', 'no', { details: [{ '@type': 'x' }], detailsBin: 'CAUSAm5v', metadata: { 'x-fail-reason': 'asked' } });
    expect(grpcErrorTrailers(err)).toEqual({ 'x-fail-reason': 'asked', 'grpc-status': '9', 'grpc-message': 'no', 'grpc-status-details-bin': 'CAUSAm5v' });
  });

  test('a quota or rate-limit refusal is RESOURCE_EXHAUSTED with grpc-retry-pushback-ms', () => {
    expect(grpcErrorTrailers(exhausted('quota of php-app on a.B exhausted', 3))).toMatchObject({ 'grpc-status': '8', 'grpc-retry-pushback-ms': '3000' });
  });

  test('grpc-message round-trips through the decoder both hops use', () => {
    for (const s of ['plain', 'a: "b"', '50% off', 'ünïcödé ✓', 'line\nbreak']) expect(decodeGrpcMessage(encodeGrpcMessage(s))).toBe(s);
  });
});

describe("a gRPC caller's metadata", () => {
  test('custom metadata passes; the transport and the gRPC library keep theirs; the request id is carried apart', () => {
    const md = callerMetadata({
      ':method': 'POST', ':path': '/a.B/C', ':authority': 'x', ':scheme': 'http', 'content-type': 'application/grpc', te: 'trailers', 'user-agent': 'grpc-java/1.6',
      'grpc-timeout': '1S', 'grpc-accept-encoding': 'gzip', 'grpc-previous-rpc-attempts': '1', 'x-request-id': 'r1',
      tenant: 't1', 'blob-bin': 'AAEC', traceparent: '00-ab-cd-01',
    });
    expect(md).toEqual({ tenant: 't1', 'blob-bin': 'AAEC', traceparent: '00-ab-cd-01' });
  });

  test("the mesh's own names are refused with INVALID_ARGUMENT", () => {
    const err = thrownBy(() => callerMetadata({ 'x-transmesh-caller': 'admin' }), MeshError);
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toContain('x-transmesh-caller');
  });

  test('grpc-timeout becomes whole milliseconds, rounded up; a malformed one is INVALID_ARGUMENT', () => {
    expect(timeoutMsOf(undefined)).toBeUndefined();
    expect(timeoutMsOf('250m')).toBe('250');
    expect(timeoutMsOf('2S')).toBe('2000');
    expect(timeoutMsOf('1H')).toBe('3600000');
    expect(timeoutMsOf('1500u')).toBe('2');
    expect(timeoutMsOf('5n')).toBe('1');
    expect(thrownBy(() => timeoutMsOf('soon'), MeshError).code).toBe('INVALID_ARGUMENT');
    expect(thrownBy(() => timeoutMsOf('123456789m'), MeshError).code).toBe('INVALID_ARGUMENT');
  });
});

describe('grpc.health.v1.HealthCheckRequest, read by hand', () => {
  test('field 1 is the service; other fields are skipped; bytes that do not parse are INVALID_ARGUMENT', () => {
    expect(serviceOf(Buffer.alloc(0))).toBe('');
    expect(serviceOf(Buffer.from([0x0a, 0x03, 0x61, 0x2e, 0x42]))).toBe('a.B');
    // An unknown varint (field 2), fixed64 (3) and fixed32 (4) around it.
    expect(serviceOf(Buffer.from([0x10, 0x96, 0x01, 0x0a, 0x01, 0x78, 0x19, 1, 2, 3, 4, 5, 6, 7, 8, 0x25, 1, 2, 3, 4]))).toBe('x');
    for (const bad of [[0x0a, 0x05, 0x61], [0x0a], [0x10, 0xff], [0x0b], [0x19, 1, 2]]) {
      expect(thrownBy(() => serviceOf(Buffer.from(bad)), MeshError).code).toBe('INVALID_ARGUMENT');
    }
  });
});
