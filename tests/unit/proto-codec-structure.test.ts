import { exampleOf } from '../../adapters/grpc/proto-example';
import type { JsonValue } from '../../src/json/json-value';
import { asNumber, asString, codecOf, encodeError, everythingRoot, roundTrip } from '../fixtures/proto/load-fixture';

/** A JSON value proto3 leaves out of its output: zero, "0", false, "", null (NullValue), an enum's zero name, an empty list. */
const isDefaultJson = (v: unknown) => v === null || v === 0 || v === '0' || v === false || v === '' || (typeof v === 'string' && v.endsWith('_UNSPECIFIED')) || (Array.isArray(v) && v.length === 0);

const exampleOfType = (name: string) => exampleOf(everythingRoot().lookupType(name));

const order = codecOf('codec.v1.Order');

describe('proto messages: nesting, repeated, maps, oneofs, presence, enums', () => {
  test.each([
    // nested and repeated messages
    ['{"main": {"itemId": "a", "price": 5}}', '{"main":{"itemId":"a","price":"5"}}'],
    ['{"main": {}}', '{"main":{}}'],
    ['{"items": [{"item_id": "a", "tags": ["x", "y"]}, {"price": "-3"}]}', '{"items":[{"itemId":"a","tags":["x","y"]},{"price":"-3"}]}'],
    ['{"items": []}', '{}'],
    ['{"amounts": [1, "9223372036854775807", -9223372036854775808]}', '{"amounts":["1","9223372036854775807","-9223372036854775808"]}'],
    ['{"weights": [0.5, "NaN", "-Infinity", 0]}', '{"weights":[0.5,"NaN","-Infinity",0]}'],
    ['{"blobs": ["AQID", ""]}', '{"blobs":["AQID",""]}'],
    ['{"parent": {"parent": {"orderId": "deep"}}}', '{"parent":{"parent":{"orderId":"deep"}}}'],
    // enums: by name or number; unknown numbers are kept (proto3 enums are open)
    ['{"main": {"color": "COLOR_RED"}}', '{"main":{"color":"COLOR_RED"}}'],
    ['{"main": {"color": 2}}', '{"main":{"color":"COLOR_GREEN"}}'],
    ['{"main": {"color": 7}}', '{"main":{"color":7}}'],
    ['{"main": {"color": "COLOR_UNSPECIFIED"}}', '{"main":{}}'],
    ['{"colors": ["COLOR_RED", 0, 2, 9]}', '{"colors":["COLOR_RED","COLOR_UNSPECIFIED","COLOR_GREEN",9]}'],
    // maps: keys are strings in JSON, converted to the key type
    ['{"labels": {"k": "v", "": "empty", "__proto__": "p"}}', '{"labels":{"k":"v","":"empty","__proto__":"p"}}'],
    // (integer-like keys come out in ascending order: JavaScript object key order)
    ['{"by_slot": {"-1": {"itemId": "m"}, "2147483647": {}, "0": {}}}', '{"bySlot":{"0":{},"2147483647":{},"-1":{"itemId":"m"}}}'],
    ['{"byId": {"-9223372036854775808": "min", "9223372036854775807": "max", "12345678": "eight"}}', '{"byId":{"12345678":"eight","-9223372036854775808":"min","9223372036854775807":"max"}}'],
    ['{"byBig": {"18446744073709551615": 9223372036854775807, "0": "0"}}', '{"byBig":{"0":"0","18446744073709551615":"9223372036854775807"}}'],
    ['{"byFlag": {"true": "yes", "false": "no"}}', '{"byFlag":{"true":"yes","false":"no"}}'],
    ['{"colorByName": {"a": "COLOR_GREEN", "b": 0}}', '{"colorByName":{"a":"COLOR_GREEN","b":"COLOR_UNSPECIFIED"}}'],
    ['{"labels": {}}', '{}'],
    // oneof: a member is written when set, even to its default; null counts as unset
    ['{"card": ""}', '{"card":""}'],
    ['{"account": 0}', '{"account":"0"}'],
    ['{"voucher": {}}', '{"voucher":{}}'],
    ['{"card": null, "account": 5}', '{"account":"5"}'],
    ['{"card": "x", "account": null}', '{"card":"x"}'],
    // proto3 optional: explicit presence, so a set default is written
    ['{"priority": 0}', '{"priority":0}'],
    ['{"note": ""}', '{"note":""}'],
    ['{"priority": null}', '{}'],
    ['{"main": null, "items": null, "labels": null}', '{}'],
  ])('%s', (input, output) => {
    expect(roundTrip(order, input)).toBe(output);
  });

  test('map<int64>/map<uint64> keys and values with int64AsNumber', () => {
    expect(roundTrip(order, '{"byBig": {"18446744073709551615": "9223372036854775807"}, "account": -9223372036854775808}', asNumber)).toBe(
      '{"byBig":{"18446744073709551615":9223372036854775807},"account":-9223372036854775808}',
    );
  });

  test.each([
    ['{"items": [{}, {}, {"price": 1.5}]}', 'items[2].price: expected int64, got non-integer 1.5'],
    ['{"items": [{"colour": 1}]}', 'items[0].colour: unknown field (not in codec.v1.Item)'],
    ['{"items": {"price": 1}}', 'items: expected an array, got an object'],
    ['{"items": [null]}', 'items[0]: null is not allowed in a repeated field'],
    ['{"items": [1]}', 'items[0]: expected an object (codec.v1.Item), got number 1'],
    ['{"parent": {"parent": {"main": {"tags": ["a", 3]}}}}', 'parent.parent.main.tags[1]: expected string, got number 3'],
    ['{"main": {"color": "COLOR_BLUE"}}', 'main.color: unknown value "COLOR_BLUE" for enum codec.v1.Color'],
    ['{"main": {"color": 1.5}}', 'main.color: number 1.5 is not a valid value for enum codec.v1.Color'],
    ['{"main": {"color": 4294967296}}', 'main.color: number 4294967296 is not a valid value for enum codec.v1.Color'],
    ['{"main": {"color": true}}', 'main.color: expected enum codec.v1.Color (name or number), got boolean true'],
    ['{"main": {"color": "color_red"}}', 'main.color: unknown value "color_red" for enum codec.v1.Color'],
    ['{"labels": {"k": 1}}', 'labels["k"]: expected string, got number 1'],
    ['{"labels": {"k": null}}', 'labels["k"]: null is not allowed as a map value'],
    ['{"labels": []}', 'labels: expected an object (map), got an array'],
    ['{"bySlot": {"x": {}}}', 'bySlot["x"]: map key "x" is not an int32'],
    ['{"bySlot": {"2147483648": {}}}', 'bySlot["2147483648"]: 2147483648 is out of range for int32'],
    ['{"bySlot": {"1": {"price": "x"}}}', 'bySlot["1"].price: expected int64, got string "x"'],
    ['{"byId": {"9223372036854775808": "x"}}', 'byId["9223372036854775808"]: 9223372036854775808 is out of range for int64'],
    ['{"byId": {"1.0": "x"}}', 'byId["1.0"]: map key "1.0" is not an int64'],
    ['{"byBig": {"-1": "1"}}', 'byBig["-1"]: -1 is out of range for uint64'],
    ['{"byBig": {"1": 18446744073709551615}}', 'byBig["1"]: 18446744073709551615 is out of range for int64'],
    ['{"byFlag": {"1": "x"}}', 'byFlag["1"]: map key "1" is not "true" or "false"'],
    ['{"byFlag": {"True": "x"}}', 'byFlag["True"]: map key "True" is not "true" or "false"'],
    ['{"colorByName": {"a": "NOPE"}}', 'colorByName["a"]: unknown value "NOPE" for enum codec.v1.Color'],
    ['{"card": "x", "account": 1}', 'account: oneof "payment" is already set by "card"'],
    ['{"voucher": {}, "card": ""}', 'card: oneof "payment" is already set by "voucher"'],
    ['{"orderId": "a", "order_id": "b"}', 'order_id: field given twice (by its JSON name and its proto name)'],
    ['{"priority": 2147483648}', 'priority: 2147483648 is out of range for int32'],
    ['{"weird key": 1}', '["weird key"]: unknown field (not in codec.v1.Order)'],
  ])('%s', (input, message) => {
    expect(encodeError(order, input)).toBe(`INVALID_ARGUMENT: ${message}`);
  });

  test('absurdly deep nesting is refused as INVALID_ARGUMENT, not a crash', () => {
    const deep = '{"parent":'.repeat(150) + '{}' + '}'.repeat(150);
    expect(encodeError(order, deep)).toMatch(/^INVALID_ARGUMENT: (parent\.)+parent: message nesting exceeds the recursion limit$/);
  });

  test('bytes that do not decode are INTERNAL', () => {
    expect(() => order.toJson(Uint8Array.from([0x0a, 0x05, 0x61]), { int64AsNumber: false })).toThrow(
      expect.objectContaining({ code: 'INTERNAL', message: expect.stringMatching(/^cannot decode codec\.v1\.Order: /) }),
    );
  });

  test('the codec is compiled once per type', () => {
    expect(codecOf('codec.v1.Order')).toBe(order);
    expect(order.typeName).toBe('codec.v1.Order');
  });
});

describe('proto example()', () => {
  test('every field set, first oneof member only, one element per list and map', () => {
    const ex = exampleOfType('codec.v1.Item');
    expect(ex).toEqual({ itemId: 'string', price: '0', color: 'COLOR_UNSPECIFIED', tags: ['string'] });
    const o = exampleOfType('codec.v1.Order') as Record<string, unknown>;
    expect(o.card).toBe('string');
    expect(o).not.toHaveProperty('account');
    expect(o).not.toHaveProperty('voucher');
    expect(o.byId).toEqual({ '0': 'string' });
    expect(o.byFlag).toEqual({ true: 'string' });
    expect(o.labels).toEqual({ key: 'string' });
    expect(o.myCustom).toBe(0);
    expect(o.blobs).toEqual(['Ynl0ZXM=']);
  });

  test('recursion is cut at depth 3', () => {
    const o = exampleOfType('codec.v1.Order') as Record<string, any>;
    expect(o.parent.parent).toBeDefined();
    expect(o.parent.parent.parent).toBeUndefined();
  });

  test('examples are valid input: they encode, and come back as they went in (less the defaults proto3 leaves out)', () => {
    for (const name of ['codec.v1.Order', 'codec.v1.WellKnown', 'codec.v1.Scalars']) {
      const c = codecOf(name);
      const example = exampleOfType(name) as Record<string, JsonValue>;
      // (Durations come back in canonical form, 1.5s as 1.500s: read both the same way.)
      const back = JSON.parse(c.toJson(c.encode(example), asString), (_k, v) => (typeof v === 'string' && /^-?\d+\.\d+s$/.test(v) ? `${Number(v.slice(0, -1))}s` : v)) as Record<string, unknown>;
      // Every value that comes back is the example's; only default values may be missing.
      expect(example).toMatchObject(back);
      for (const key of Object.keys(example).filter((k) => !(k in back))) expect(isDefaultJson(example[key])).toBe(true);
    }
  });

  test('well-known types get readable samples', () => {
    expect(exampleOfType('codec.v1.WellKnown')).toMatchObject({
      at: '2024-01-01T00:00:00Z',
      took: '1.5s',
      i64: '0',
      s: 'string',
      st: { key: 'value' },
      nv: null,
      any: { '@type': 'type.googleapis.com/google.protobuf.Empty' },
      empty: {},
    });
  });
});
