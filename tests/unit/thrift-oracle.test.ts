/**
 * Byte-exact checks against Apache Thrift's own Node writers and readers (the `thrift` npm
 * package and code generated from tests/fixtures/thrift/shop.thrift), for both protocols.
 */
import { encodeEnvelope, MessageType } from '../../adapters/thrift/transport/envelope';
import type { ThriftProtocolName } from '../../adapters/thrift/thrift-model';
import { shopService, thriftMethod } from '../helpers/thrift-fixtures';

// `thrift` requires the ESM-only `uuid` package, which jest cannot load; UUID fields are not used.
jest.mock('uuid', () => ({ parse: () => new Uint8Array(16), stringify: () => '' }));
/* eslint-disable @typescript-eslint/no-require-imports */
const thrift = require('thrift');
const Int64 = require('node-int64');
const Catalog = require('../fixtures/thrift/gen-nodejs/Catalog.js');
const shop = require('../fixtures/thrift/gen-nodejs/shop_types.js');
const common = require('../fixtures/thrift/gen-nodejs/common_types.js');

const svc = shopService();
const PROTOCOLS: ThriftProtocolName[] = ['binary', 'compact'];
const apacheProtocol = (p: ThriftProtocolName) => (p === 'compact' ? thrift.TCompactProtocol : thrift.TBinaryProtocol);

function int64(v: bigint): unknown {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(v);
  return new Int64(b);
}

/** What Apache's client puts on the wire for a call (buffered transport: the bare message). */
function apacheCall(protocol: ThriftProtocolName, send: (client: any) => void): Buffer {
  let out: Buffer | undefined;
  const transport = new thrift.TBufferedTransport(undefined, (buf: Buffer) => {
    out = buf;
  });
  const client = new Catalog.Client(transport, apacheProtocol(protocol));
  client._seqid = 9;
  send(client);
  if (!out) throw new Error('nothing written');
  return out;
}

/** Apache's bytes for one struct, written on its own. */
function apacheStruct(protocol: ThriftProtocolName, value: { write(p: unknown): void }): Buffer {
  let out: Buffer | undefined;
  const transport = new thrift.TBufferedTransport(undefined, (buf: Buffer) => {
    out = buf;
  });
  const p = new (apacheProtocol(protocol))(transport);
  value.write(p);
  transport.flush();
  return out!;
}

// JSON and the equivalent Apache object. Apache's constructors fill IDL defaults (Money.currency)
// and always write them; the mesh writes only what the caller sent, so the JSON sets them too.
// JSON and the equivalent Apache object. Keys of maps with struct, bool or i64 keys are left out:
// Apache's Node code keys them by JS object property and mangles them.
const itemJson = {
  id: '-9223372036854775808',
  name: 'n\u00e4me \ud83d\ude00',
  price: { units: '9223372036854775807', nanos: -5, currency: 'EUR' },
  tags: ['a', 'b'],
  color: 'BLUE',
  active: false,
  small: -128,
  medium: -300,
  count: 2147483647,
  weight: -1.25e-7,
  blob: Buffer.from([0, 1, 254, 255]).toString('base64'),
  codes: [1, -1, 100000],
  counters: { x: '1', y: '-70000000000' },
  byNumber: { '7': 'seven', '-5': 'minus five' },
  byColor: { '1': 0.5, '7': -2 },
  grid: [[1, 2], [], [3]],
  choice: { money: { units: '3', currency: 'EUR' } },
  children: Array.from({ length: 16 }, (_, i) => ({ id: String(i * 1000), name: `c${i}`, active: i % 2 === 0 })),
};

function itemApache(): unknown {
  return new shop.Item({
    id: int64(-9223372036854775808n),
    name: 'n\u00e4me \ud83d\ude00',
    price: new common.Money({ units: int64(9223372036854775807n), nanos: -5, currency: 'EUR' }),
    tags: ['a', 'b'],
    color: 7,
    active: false,
    small: -128,
    medium: -300,
    count: 2147483647,
    weight: -1.25e-7,
    blob: Buffer.from([0, 1, 254, 255]),
    codes: [1, -1, 100000],
    counters: { x: int64(1n), y: int64(-70000000000n) },
    byNumber: { '7': 'seven', '-5': 'minus five' },
    byColor: { '1': 0.5, '7': -2 },
    grid: [[1, 2], [], [3]],
    choice: new shop.Choice({ money: new common.Money({ units: int64(3n) }) }),
    children: Array.from({ length: 16 }, (_, i) => new shop.Item({ id: int64(BigInt(i * 1000)), name: `c${i}`, active: i % 2 === 0 })),
  });
}

/** A `_result` struct with field 0 holding `inner` (a struct), as a server writes it. */
function resultWithStruct(protocol: ThriftProtocolName, inner: Buffer): Buffer {
  // Field 0 is below the compact protocol's delta range, so both use the long header form.
  const header = protocol === 'binary' ? [0x0c, 0x00, 0x00] : [0x0c, 0x00];
  return Buffer.concat([Buffer.from(header), inner, Buffer.from([0])]);
}

describe.each(PROTOCOLS)('against Apache Thrift %s', (protocol) => {
  test('a call with every field type is byte for byte what Apache writes', () => {
    const ours = Buffer.concat([encodeEnvelope(protocol, 'put', MessageType.CALL, 10), thriftMethod(svc, 'put').encodeArgs({ item: itemJson }, protocol)]);
    const theirs = apacheCall(protocol, (c) => c.put(itemApache()).catch(() => {}));
    expect(ours.toString('hex')).toBe(theirs.toString('hex'));
  });

  test('calls with primitive and no arguments', () => {
    const cases: [string, Record<string, unknown>, (c: any) => void][] = [
      ['get', { id: '42' }, (c) => c.get(int64(42n)).catch(() => {})],
      ['echo', { text: '' }, (c) => c.echo('').catch(() => {})],
      ['half', { value: 'NaN' }, (c) => c.half(NaN).catch(() => {})],
      ['half', { value: -0.1 }, (c) => c.half(-0.1).catch(() => {})],
      ['count', {}, (c) => c.count().catch(() => {})],
      ['nextColor', { color: 'GREEN' }, (c) => c.nextColor(2).catch(() => {})],
      ['prices', { ids: ['1', '-1'] }, (c) => c.prices([int64(1n), int64(-1n)]).catch(() => {})],
    ];
    for (const [name, args, send] of cases) {
      const ours = Buffer.concat([encodeEnvelope(protocol, name, MessageType.CALL, 10), thriftMethod(svc, name).encodeArgs(args as never, protocol)]);
      expect(`${name} ${ours.toString('hex')}`).toBe(`${name} ${apacheCall(protocol, send).toString('hex')}`);
    }
  });

  test('a oneway call envelope', () => {
    const ours = Buffer.concat([encodeEnvelope(protocol, 'touch', MessageType.ONEWAY, 10), thriftMethod(svc, 'touch').encodeArgs({ id: '1' }, protocol)]);
    expect(ours.toString('hex')).toBe(apacheCall(protocol, (c) => c.touch(int64(1n)).catch(() => {})).toString('hex'));
  });

  test('a struct Apache wrote decodes to the same JSON', () => {
    const bytes = resultWithStruct(protocol, apacheStruct(protocol, itemApache() as never));
    const json = JSON.parse(thriftMethod(svc, 'put').decodeResult(bytes, protocol, { int64AsNumber: false }));
    expect(json).toEqual({ ...itemJson, byColor: { RED: 0.5, BLUE: -2 } });
  });
});
