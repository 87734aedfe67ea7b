import * as protojson from 'protobufjs/ext/protojson';
import { codecOf, everythingRoot } from '../fixtures/proto/load-fixture';

/**
 * protobufjs/ext/protojson implements the canonical mapping too, so on valid input without
 * 64-bit numbers beyond 2^53, floats (it prints the float32 as a double) or multi-key maps (key
 * order), it is an independent oracle: the same bytes in, the same JSON out.
 */

function sameAsOracle(typeName: string, text: string): void {
  const type = everythingRoot().lookupType(typeName);
  const codec = codecOf(typeName);
  const ours = codec.encode(JSON.parse(text));
  const theirs = type.encode(protojson.fromJson(type, JSON.parse(text))).finish();
  expect(Buffer.from(ours).toString('hex')).toBe(Buffer.from(theirs).toString('hex'));
  expect(JSON.parse(codec.toJson(ours, { int64AsNumber: false }))).toEqual(protojson.toJson(type, type.decode(ours)));
}

describe('agreement with protobufjs/ext/protojson', () => {
  test.each([
    ['codec.v1.Scalars', '{"i32": -5, "u32": 7, "s32": -2147483648, "f32": 4294967295, "sf32": 9, "i64": "-9223372036854775808", "u64": "18446744073709551615", "s64": "-1", "f64": "1", "sf64": "9223372036854775807", "dbl": 2.5, "flag": true, "text": "t", "data": "AQID"}'],
    ['codec.v1.Scalars', '{"dbl": "NaN", "flt": "Infinity"}'],
    ['codec.v1.Order', '{"orderId": "o", "items": [{"itemId": "a", "price": "3", "color": "COLOR_GREEN", "tags": ["x"]}, {}], "labels": {"k": "v"}, "bySlot": {"3": {"price": "1"}}, "byId": {"-5": "neg"}, "byBig": {"18446744073709551615": "7"}, "byFlag": {"false": "f"}}'],
    ['codec.v1.Order', '{"account": "0", "priority": 0, "note": "", "main": {}, "colors": ["COLOR_RED", 5], "amounts": ["1", "-2"], "myCustom": 4, "weights": [1.5, "-Infinity"], "blobs": ["", "AA=="], "parent": {"card": ""}}'],
    ['codec.v1.WellKnown', '{"at": "2024-02-29T23:59:59.123456Z", "took": "-0.5s", "d": 0, "i64": "5", "u32": 0, "b": false, "s": "", "by": "AQ=="}'],
    ['codec.v1.WellKnown', '{"st": {"a": [1, "b", null, true, {"c": {}}]}, "v": [1, null], "lv": [{}], "mask": "aB.cD,e", "empty": {}, "values": [null, 2], "vmap": {"k": {"x": 1}}}'],
    ['codec.v1.WellKnown', '{"any": {"@type": "type.googleapis.com/codec.v1.Item", "itemId": "i", "price": "12"}}'],
    ['codec.v1.WellKnown', '{"any": {"@type": "type.googleapis.com/google.protobuf.Timestamp", "value": "2020-01-01T00:00:00Z"}, "anys": [{"@type": "type.googleapis.com/google.protobuf.Value", "value": {"a": 1}}]}'],
  ])('%s %s', (typeName, text) => {
    sameAsOracle(typeName, text);
  });

  test('seeded random Scalars and Orders agree both ways', () => {
    let seed = 12345;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
    const big = (unsigned: boolean): string => {
      const hi = BigInt(int(0, 0xffffffff));
      const lo = BigInt(int(0, 0xffffffff));
      const v = (hi << 32n) | lo;
      return (unsigned ? BigInt.asUintN(64, v) : BigInt.asIntN(64, v)).toString();
    };
    const str = (): string => ['', 'a', 'héllo', 'x"y', '😀', 'tab\t'][int(0, 5)]!;
    for (let i = 0; i < 200; i++) {
      const s: Record<string, unknown> = {};
      if (rnd() < 0.7) s.i32 = int(-2147483648, 2147483647);
      if (rnd() < 0.7) s.u32 = int(0, 4294967295);
      if (rnd() < 0.7) s.s32 = int(-2147483648, 2147483647);
      if (rnd() < 0.7) s.i64 = big(false);
      if (rnd() < 0.7) s.u64 = big(true);
      if (rnd() < 0.7) s.s64 = big(false);
      if (rnd() < 0.7) s.f64 = big(true);
      if (rnd() < 0.7) s.sf64 = big(false);
      if (rnd() < 0.7) s.dbl = (rnd() - 0.5) * 10 ** int(-300, 300);
      if (rnd() < 0.7) s.flag = rnd() < 0.5;
      if (rnd() < 0.7) s.text = str();
      if (rnd() < 0.7) s.data = Buffer.from(str()).toString('base64');
      sameAsOracle('codec.v1.Scalars', JSON.stringify(s));
      const o: Record<string, unknown> = { orderId: str(), items: [{ price: big(false), tags: [str(), str()] }] };
      const pick = int(0, 3);
      if (pick === 1) o.card = str();
      if (pick === 2) o.account = big(false);
      if (pick === 3) o.voucher = { itemId: str() };
      if (rnd() < 0.5) o.priority = int(-5, 5);
      sameAsOracle('codec.v1.Order', JSON.stringify(o));
    }
  });
});
