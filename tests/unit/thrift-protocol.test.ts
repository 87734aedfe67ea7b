import { BinaryReader, BinaryWriter } from '../../adapters/thrift/codec/binary-protocol';
import { CompactReader, CompactWriter } from '../../adapters/thrift/codec/compact-protocol';
import type { TReader, TWriter } from '../../adapters/thrift/codec/protocol';
import { MessageType, T, ThriftProtocolError, ThriftUnderrun } from '../../adapters/thrift/codec/wire-types';
import { decodeEnvelope, encodeEnvelope, messageEnd } from '../../adapters/thrift/transport/envelope';

const hex = (w: TWriter) => w.finish().toString('hex');
const bytes = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');

function compact(fn: (w: TWriter) => void): string {
  const w = new CompactWriter();
  fn(w);
  return hex(w);
}
function binary(fn: (w: TWriter) => void): string {
  const w = new BinaryWriter();
  fn(w);
  return hex(w);
}

describe('compact protocol: known encodings', () => {
  test('field headers: deltas 1..15 in one byte, larger or negative jumps in the long form', () => {
    const h = compact((w) => {
      w.structBegin();
      w.fieldBegin(T.I32, 1);
      w.i32(1);
      w.fieldBegin(T.I32, 16); // delta 15: still short
      w.i32(2);
      w.fieldBegin(T.I32, 32); // delta 16: long form, zigzag id 64
      w.i32(3);
      w.fieldBegin(T.I32, 5); // backwards: long form
      w.i32(-1);
      w.structEnd();
    });
    expect(h).toBe(['1502', 'f504', '054006', '050a01', '00'].join(''));
  });

  test('bool fields carry their value in the header; bools in lists are 1 and 2', () => {
    const h = compact((w) => {
      w.structBegin();
      w.fieldBegin(T.BOOL, 1);
      w.bool(true);
      w.fieldBegin(T.BOOL, 2);
      w.bool(false);
      w.fieldBegin(T.LIST, 3);
      w.listBegin(T.BOOL, 2);
      w.bool(true);
      w.bool(false);
      w.structEnd();
    });
    expect(h).toBe('11 12 19 21 01 02 00'.replace(/ /g, ''));
  });

  test('i64 zigzag varints at the edges', () => {
    const one = (v: bigint) => compact((w) => w.i64(v));
    expect(one(0n)).toBe('00');
    expect(one(-1n)).toBe('01');
    expect(one(1n)).toBe('02');
    expect(one(63n)).toBe('7e');
    expect(one(64n)).toBe('8001');
    expect(one(4503599627370495n)).toBe('feffffffffffff0f');
    expect(one(4503599627370496n)).toBe('8080808080808010');
    expect(one(9223372036854775807n)).toBe('feffffffffffffffff01');
    expect(one(-9223372036854775808n)).toBe('ffffffffffffffffff01');
  });

  test('i32, i16 and byte', () => {
    expect(compact((w) => w.i32(-2147483648))).toBe('ffffffff0f');
    expect(compact((w) => w.i32(2147483647))).toBe('feffffff0f');
    expect(compact((w) => w.i16(-32768))).toBe('ffff03');
    expect(compact((w) => w.byte(-1))).toBe('ff');
  });

  test('double is little-endian', () => {
    expect(compact((w) => w.double(1.5))).toBe('000000000000f83f');
  });

  test('list headers: size in the nibble below 15, then a varint', () => {
    expect(compact((w) => w.listBegin(T.I32, 14))).toBe('e5');
    expect(compact((w) => w.listBegin(T.I32, 15))).toBe('f50f');
    expect(compact((w) => w.listBegin(T.STRUCT, 300))).toBe('fcac02');
  });

  test('map headers: a lone 0 when empty', () => {
    expect(compact((w) => w.mapBegin(T.STRING, T.I64, 0))).toBe('00');
    expect(compact((w) => w.mapBegin(T.STRING, T.I64, 2))).toBe('0286');
  });

  test('message envelope', () => {
    expect(encodeEnvelope('compact', 'put', MessageType.CALL, 10).toString('hex')).toBe('82210a03707574');
    expect(encodeEnvelope('compact', 'ping', MessageType.ONEWAY, 300).toString('hex')).toBe('8281ac020470696e67');
  });
});

describe('binary protocol: known encodings', () => {
  test('fields, stop, strings, i64', () => {
    const h = binary((w) => {
      w.structBegin();
      w.fieldBegin(T.I32, 1);
      w.i32(1);
      w.fieldBegin(T.STRING, -1);
      w.string('h\u00e9');
      w.fieldBegin(T.I64, 3);
      w.i64(-2n);
      w.fieldBegin(T.BOOL, 4);
      w.bool(true);
      w.structEnd();
    });
    expect(h).toBe('080001 00000001 0bffff 00000003 68c3a9 0a0003 fffffffffffffffe 020004 01 00'.replace(/ /g, ''));
  });

  test('i64 from safe numbers and from bigints', () => {
    expect(binary((w) => w.i64(-2))).toBe('fffffffffffffffe');
    expect(binary((w) => w.i64(-9007199254740991))).toBe('ffe0000000000001');
    expect(binary((w) => w.i64(4294967296))).toBe('0000000100000000');
    expect(binary((w) => w.i64(-9223372036854775808n))).toBe('8000000000000000');
    expect(compact((w) => w.i64(-9007199254740991))).toBe(compact((w) => w.i64(-9007199254740991n)));
  });

  test('containers', () => {
    expect(binary((w) => w.listBegin(T.STRING, 2))).toBe('0b00000002');
    expect(binary((w) => w.mapBegin(T.I32, T.DOUBLE, 1))).toBe('080400000001');
  });

  test('strict message envelope', () => {
    expect(encodeEnvelope('binary', 'put', MessageType.REPLY, 5).toString('hex')).toBe('80010002' + '00000003707574' + '00000005');
  });
});

describe.each([
  ['binary', (b: Buffer, s?: number, e?: number): TReader => new BinaryReader(b, s, e), (): TWriter => new BinaryWriter()],
  ['compact', (b: Buffer, s?: number, e?: number): TReader => new CompactReader(b, s, e), (): TWriter => new CompactWriter()],
] as const)('%s reader', (name, reader, writer) => {
  const protocol = name;

  function sample(): Buffer {
    const w = writer();
    w.messageBegin('get', MessageType.REPLY, -7);
    w.structBegin();
    w.fieldBegin(T.STRUCT, 0);
    w.structBegin();
    w.fieldBegin(T.BOOL, 1);
    w.bool(true);
    w.fieldBegin(T.MAP, 2);
    w.mapBegin(T.STRING, T.LIST, 1);
    w.string('k');
    w.listBegin(T.DOUBLE, 2);
    w.double(1);
    w.double(-2);
    w.fieldBegin(T.SET, 40);
    w.listBegin(T.I64, 1);
    w.i64(-9223372036854775808n);
    w.fieldBegin(T.STRING, 41);
    w.binary(Buffer.from([1, 2, 3]));
    w.fieldBegin(T.MAP, 42);
    w.mapBegin(T.I32, T.I32, 0);
    w.structEnd();
    w.structEnd();
    return w.finish();
  }

  test('reads back what the writer wrote', () => {
    const r = reader(sample());
    expect(r.messageBegin()).toEqual({ name: 'get', type: MessageType.REPLY, seqid: -7 });
    r.structBegin();
    expect(r.fieldBegin()).toBe(T.STRUCT);
    expect(r.fieldId).toBe(0);
    r.structBegin();
    expect([r.fieldBegin(), r.fieldId, r.bool()]).toEqual([T.BOOL, 1, true]);
    expect([r.fieldBegin(), r.fieldId, r.mapBegin(), r.keyType, r.valueType]).toEqual([T.MAP, 2, 1, T.STRING, T.LIST]);
    expect([r.string(), r.listBegin(), r.elemType, r.double(), r.double()]).toEqual(['k', 2, T.DOUBLE, 1, -2]);
    expect([r.fieldBegin(), r.fieldId, r.listBegin(), r.elemType, r.i64()]).toEqual([T.SET, 40, 1, T.I64, -9223372036854775808n]);
    expect([r.fieldBegin(), r.fieldId, [...r.binary()]]).toEqual([T.STRING, 41, [1, 2, 3]]);
    expect([r.fieldBegin(), r.fieldId, r.mapBegin()]).toEqual([T.MAP, 42, 0]);
    expect(r.fieldBegin()).toBe(T.STOP);
    r.structEnd();
    expect(r.fieldBegin()).toBe(T.STOP);
  });

  test('messageEnd skips a whole message without IDL and says -1 until it is complete', () => {
    const msg = sample();
    const twice = Buffer.concat([msg, msg]);
    expect(messageEnd(protocol, twice)).toBe(msg.length);
    expect(messageEnd(protocol, twice, msg.length)).toBe(2 * msg.length);
    for (let cut = 0; cut < msg.length; cut++) expect(messageEnd(protocol, msg.subarray(0, cut))).toBe(-1);
    const env = decodeEnvelope(protocol, msg);
    expect(env.header).toEqual({ name: 'get', type: MessageType.REPLY, seqid: -7 });
  });

  test('running out of bytes is an underrun; nonsense is a protocol error', () => {
    expect(() => reader(Buffer.from([0x0b])).skip(T.STRING)).toThrow(ThriftUnderrun);
    const nonsense = protocol === 'binary' ? 'ee0001 000000' : '1e 000000';
    expect(() => reader(bytes(nonsense)).skip(T.STRUCT)).toThrow(ThriftProtocolError);
    if (protocol === 'binary') expect(() => reader(bytes('ffffffff')).skip(T.STRING)).toThrow(/negative/);
  });
});

test('binary reader accepts the old non-strict envelope', () => {
  const r = new BinaryReader(bytes('00000003 707574 02 00000009'));
  expect(r.messageBegin()).toEqual({ name: 'put', type: MessageType.REPLY, seqid: 9 });
});

test('a binary envelope with a bad version is refused', () => {
  expect(() => new BinaryReader(bytes('80020001 00000000 00000001')).messageBegin()).toThrow(/version/);
});
