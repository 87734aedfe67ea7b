import { MeshError } from '../../src/errors/mesh-error';
import { applicationExceptionToError } from '../../adapters/thrift/codec/application-exception';
import { decodeEnvelope, MessageType } from '../../adapters/thrift/transport/envelope';
import { ThriftCallerConnection } from '../../adapters/thrift/listen/caller-connection';
import { applicationExceptionOf } from '../../adapters/thrift/listen/application-error';
import { transcodeStruct } from '../../adapters/thrift/listen/transcode';
import { detectWire, notThrift, type ThriftWire } from '../../adapters/thrift/listen/wire-detect';
import { writeMessage } from '../../adapters/thrift/listen/caller-message';
import { ThriftHeaders } from '../../adapters/thrift/thrift-model';
import type { CallerMessage } from '../../src/protocol/native-callers';
import { shopService, thriftMethod } from '../helpers/thrift-fixtures';

const shop = shopService();
const item = { item: { id: '-9223372036854775808', name: 'lamp', active: true, tags: ['a', 'b'], byNumber: { '7': 'seven' }, byColor: { RED: 0.5 }, weight: 0.25, blob: 'AAH+/w==' } };
const wires: ThriftWire[] = [
  { transport: 'framed', protocol: 'binary' },
  { transport: 'framed', protocol: 'compact' },
  { transport: 'buffered', protocol: 'binary' },
  { transport: 'buffered', protocol: 'compact' },
];

/** A call as Apache's client writes it: `put`'s arguments in the wire's protocol under `name`. */
function callBytes(wire: ThriftWire, name: string, seqid = 7, type: number = MessageType.CALL): Buffer {
  return writeMessage(wire, name, type, seqid, thriftMethod(shop, 'put').encodeArgs(item, wire.protocol));
}

function reader(service?: string, max = 1 << 20) {
  return new ThriftCallerConnection({ service, maxMessageBytes: max });
}

describe('the wire of a native Thrift caller, from its first bytes', () => {
  test.each(wires)('%o is told from the first message, byte by byte', (wire) => {
    const bytes = callBytes(wire, 'shop.Catalog:put');
    const needed = wire.transport === 'framed' ? 6 : 2;
    for (let n = 0; n < needed; n++) expect(detectWire(bytes.subarray(0, n))).toBeUndefined();
    expect(detectWire(bytes.subarray(0, needed))).toEqual(wire);
  });

  test('HTTP, TLS, the old non-strict binary form and a bad version are not Thrift', () => {
    expect(detectWire(Buffer.from('POST /shop.Catalog/put HTTP/1.1\r\n'))).toBe(notThrift);
    expect(detectWire(Buffer.from('PRI * HTTP/2.0\r\n'))).toBe(notThrift);
    expect(detectWire(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]))).toBe(notThrift);
    expect(detectWire(Buffer.from([0x80, 0x02]))).toBe(notThrift);
    expect(detectWire(Buffer.from([0x82, 0x22]))).toBe(notThrift);
    expect(detectWire(Buffer.from([0, 0, 0, 3, 'p'.charCodeAt(0), 0]))).toBe(notThrift);
    expect(detectWire(Buffer.from([0xff]))).toBe(notThrift);
  });
});

describe('reading calls off a connection', () => {
  test.each(wires)('%o: pipelined calls in any chunking come out whole, in order, named as multiplexed', (wire) => {
    const bytes = Buffer.concat([callBytes(wire, 'shop.Catalog:put', 1), callBytes(wire, 'shop.Catalog:touch', 2, MessageType.ONEWAY)]);
    for (const size of [1, 3, bytes.length]) {
      const r = reader();
      const got: CallerMessage[] = [];
      for (let i = 0; i < bytes.length; i += size) got.push(...r.push(bytes.subarray(i, i + size)));
      expect(got.map((m) => [m.service, m.method, m.oneway, m.refused])).toEqual([
        ['shop.Catalog', 'put', false, undefined],
        ['shop.Catalog', 'touch', true, undefined],
      ]);
      expect(r.partial).toBe(false);
    }
  });

  test('the end of an unframed message is looked for again only once it doubled, or on flush: linear work on big messages', () => {
    const wire = wires[2];
    const bytes = writeMessage(wire, 'shop.Catalog:echo', MessageType.CALL, 1, thriftMethod(shop, 'echo').encodeArgs({ text: 'x'.repeat(180_000) }, wire.protocol));
    const r = reader();
    expect(r.push(bytes.subarray(0, 100_000))).toEqual([]);
    expect(r.deferred).toBe(false);
    expect(r.push(bytes.subarray(100_000))).toEqual([]);
    expect(r.deferred).toBe(true);
    expect(r.flush().map((m) => m.method)).toEqual(['echo']);
    expect([r.deferred, r.partial]).toEqual([false, false]);
    // A short chunk is likely the last of its turn: looked at once.
    const again = reader();
    again.push(bytes.subarray(0, 100_000));
    expect(again.push(bytes.subarray(100_000, bytes.length - 10))).toEqual([]);
    expect(again.push(bytes.subarray(bytes.length - 10))).toHaveLength(1);
  });

  test('a listener of one service takes plain names and its own multiplexed name, and refuses others', () => {
    const wire = wires[0];
    const [plain, own, other] = reader('shop.Catalog').push(Buffer.concat([callBytes(wire, 'put'), callBytes(wire, 'shop.Catalog:put'), callBytes(wire, 'orders.OrderService:put')]));
    expect([plain.service, plain.method, plain.refused]).toEqual(['shop.Catalog', 'put', undefined]);
    expect([own.service, own.method, own.refused]).toEqual(['shop.Catalog', 'put', undefined]);
    expect(other.refused).toMatchObject({ code: 'UNIMPLEMENTED', message: expect.stringContaining('this listener serves shop.Catalog only') });
  });

  test('a plain name on a multiplexed listener is refused, saying how to name the service', () => {
    const [m] = reader().push(callBytes(wires[0], 'put'));
    expect(m.refused).toMatchObject({ code: 'UNIMPLEMENTED', message: expect.stringContaining('<service>:<method>') });
  });

  test('a frame over the limit is refused from its header; an unframed message once it outgrows the limit', () => {
    const framed = callBytes(wires[0], 'shop.Catalog:put');
    expect(() => reader(undefined, framed.length - 5).push(framed.subarray(0, 4 + 2))).toThrow(expect.objectContaining({ code: 'RESOURCE_EXHAUSTED', message: expect.stringContaining('TRANSMESH_MAX_MESSAGE_BYTES') }));
    const unframed = callBytes(wires[2], 'shop.Catalog:put');
    const r = reader(undefined, 20);
    expect(r.push(unframed.subarray(0, 20))).toEqual([]);
    expect(() => r.push(unframed.subarray(20, 30))).toThrow(expect.objectContaining({ code: 'RESOURCE_EXHAUSTED' }));
  });

  test('a reply, a frame holding more than its message and garbage are refused', () => {
    expect(() => reader().push(callBytes(wires[0], 'shop.Catalog:put', 1, MessageType.REPLY))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('type 2') }));
    const framed = callBytes(wires[0], 'shop.Catalog:put');
    const padded = Buffer.concat([framed, Buffer.from([0])]);
    padded.writeUInt32BE(framed.length - 3, 0);
    expect(() => reader().push(padded)).toThrow(MeshError);
    expect(() => reader().push(Buffer.from('GET / HTTP/1.1\r\n'))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('answers in the caller wire', () => {
  test.each(wires)('%o: arguments reach a provider of either protocol as the same struct, and its reply comes back in the caller protocol with its seqid', (wire) => {
    const [m] = reader().push(callBytes(wire, 'shop.Catalog:put', 99));
    const put = thriftMethod(shop, 'put');
    for (const encoding of ['binary', 'compact', undefined]) {
      expect(Buffer.from(m.payloadFor(encoding))).toEqual(put.encodeArgs(item, encoding === 'compact' ? 'compact' : 'binary'));
    }
    const result = shop.methods.get('put')!.provider.encodeReply(item.item, 'compact');
    const out = m.reply({ payload: Buffer.from(result), headers: {}, encoding: 'compact' }, put);
    const start = wire.transport === 'framed' ? 4 : 0;
    if (start) expect(out.readUInt32BE(0)).toBe(out.length - 4);
    const { header, bodyStart } = decodeEnvelope(wire.protocol, out, start);
    expect(header).toEqual({ name: 'put', type: MessageType.REPLY, seqid: 99 });
    expect(JSON.parse(put.decodeResult(out.subarray(bodyStart), wire.protocol, { int64AsNumber: false }))).toMatchObject({ id: item.item.id, name: 'lamp', active: true, byColor: { RED: 0.5 } });
  });

  test("a provider's TApplicationException is the caller's failure, mapped as any", () => {
    const [m] = reader().push(callBytes(wires[0], 'shop.Catalog:put'));
    const ex = transcodeStruct(Buffer.from([0x0b, 0, 1, 0, 0, 0, 2, 0x68, 0x69, 0x08, 0, 2, 0, 0, 0, 1, 0]), 'binary', 'compact');
    expect(() => m.reply({ payload: ex, headers: { [ThriftHeaders.kind]: 'exception' }, encoding: 'compact' }, thriftMethod(shop, 'put'))).toThrow(expect.objectContaining({ code: 'UNIMPLEMENTED', message: 'hi' }));
    expect(m.answered).toBeUndefined();
  });

  test.each(wires)('%o: a declared exception is written as the provider sent it, and counts as a failure with the code the IDL gives it', (wire) => {
    const [m] = reader().push(callBytes(wire, 'shop.Catalog:get', 12));
    const get = thriftMethod(shop, 'get');
    const notFound = Buffer.from(get.provider.encodeException('common.NotFound', { message: 'no item 5', id: 5 }, 'binary')!);
    expect(() => m.reply({ payload: notFound, headers: {}, encoding: 'binary' }, get)).toThrow(expect.objectContaining({ code: 'NOT_FOUND', message: 'no item 5' }));
    const { header, bodyStart } = decodeEnvelope(wire.protocol, m.answered!, wire.transport === 'framed' ? 4 : 0);
    expect(header).toEqual({ name: 'get', type: MessageType.REPLY, seqid: 12 });
    expect(() => get.decodeResult(m.answered!.subarray(bodyStart), wire.protocol, { int64AsNumber: false })).toThrow(expect.objectContaining({ extra: { thrift: { exception: 'common.NotFound', value: { message: 'no item 5', id: '5' } } } }));
  });

  test('the error mapping: the code name first, UNKNOWN_METHOD for UNIMPLEMENTED, INTERNAL_ERROR for the rest', () => {
    expect(applicationExceptionOf(new MeshError('UNIMPLEMENTED', 'no method "x"'))).toEqual({ message: 'UNIMPLEMENTED: no method "x"', type: 1 });
    for (const code of ['PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'UNAVAILABLE', 'DEADLINE_EXCEEDED', 'INTERNAL', 'INVALID_ARGUMENT'] as const) {
      expect(applicationExceptionOf(new MeshError(code, 'why'))).toEqual({ message: `${code}: why`, type: 6 });
    }
    expect(applicationExceptionOf(new MeshError('CANCELLED', ''))).toEqual({ message: 'CANCELLED', type: 6 });
  });

  test.each(wires)('%o: a failure is an EXCEPTION message a Thrift reader decodes as TApplicationException', (wire) => {
    const [m] = reader().push(callBytes(wire, 'shop.Catalog:put', -5));
    const out = m.error(new MeshError('PERMISSION_DENIED', 'access denied'));
    const { header, bodyStart } = decodeEnvelope(wire.protocol, out, wire.transport === 'framed' ? 4 : 0);
    expect(header).toEqual({ name: 'put', type: MessageType.EXCEPTION, seqid: -5 });
    const err = applicationExceptionToError(out.subarray(bodyStart), wire.protocol);
    expect(err.message).toBe('PERMISSION_DENIED: access denied');
    expect(err.extra?.thrift).toMatchObject({ value: { type: 'INTERNAL_ERROR' } });
  });

  test('transcoding is exact both ways, and refuses what is not one struct', () => {
    const bytes = thriftMethod(shop, 'put').encodeArgs(item, 'binary');
    const compact = transcodeStruct(bytes, 'binary', 'compact');
    expect(compact).toEqual(thriftMethod(shop, 'put').encodeArgs(item, 'compact'));
    expect(transcodeStruct(compact, 'compact', 'binary')).toEqual(bytes);
    expect(() => transcodeStruct(Buffer.concat([bytes, Buffer.from([0])]), 'binary', 'compact')).toThrow('1 bytes after the struct');
    // Compact writes no types for an empty map; in binary it is an empty map of type 0 to 0, as Apache's compact reader reports it.
    const empty = thriftMethod(shop, 'put').encodeArgs({ item: { id: 1, name: 'n', byColor: {} } }, 'compact');
    expect(JSON.parse(thriftMethod(shop, 'put').provider.decodeRequest(transcodeStruct(empty, 'compact', 'binary'), 'binary', { int64AsNumber: false }))).toMatchObject({ item: { byColor: {} } });
  });
});
