import { applyJsonOptions, defaultJsonOptions } from '../../src/protocol/json-options';
import { JsonShape } from '../../src/idl/model';
import { codecOf } from '../fixtures/proto/load-fixture';
import { parseJson } from '../../src/json/parse-json';
import { shopService, thriftMethod } from '../helpers/thrift-fixtures';

const { emitDefaults, protoNames, enumNumbers } = JsonShape;

describe('JSON output options', () => {
  test('each option turns one on, no-OPT turns it off, on top of the defaults', () => {
    expect(applyJsonOptions('emit-defaults, proto-names', defaultJsonOptions)).toEqual({ int64AsNumber: false, shape: emitDefaults | protoNames });
    const app = { int64AsNumber: true, shape: emitDefaults | enumNumbers };
    expect(applyJsonOptions('no-emit-defaults,no-int64-number', app)).toEqual({ int64AsNumber: false, shape: enumNumbers });
    expect(applyJsonOptions('', app)).toBe(app);
    expect(applyJsonOptions('ENUM-NUMBERS', defaultJsonOptions)).toEqual({ int64AsNumber: false, shape: enumNumbers });
  });

  test('an unknown option is named', () => {
    expect(applyJsonOptions('emit-defaults,camel', defaultJsonOptions)).toMatch(/unknown JSON option "camel"/);
  });
});

describe('proto JSON shapes', () => {
  const order = codecOf('Order');
  const item = codecOf('Item');
  const out = (codec: ReturnType<typeof codecOf>, json: string, shape: number, int64AsNumber = false) => codec.toJson(codec.encode(parseJson(json)), { int64AsNumber, shape });

  test('emit-defaults writes every unset field: scalars as their default, lists and maps empty, messages null, oneof members never', () => {
    expect(out(item, '{}', emitDefaults)).toBe('{"itemId":"","price":"0","color":"COLOR_UNSPECIFIED","tags":[]}');
    const o = JSON.parse(out(order, '{"orderId": "o1"}', emitDefaults));
    expect(o).toMatchObject({ orderId: 'o1', items: [], labels: {}, byId: {} });
    expect('card' in o || 'account' in o || 'voucher' in o).toBe(false);
    // proto3 optional is a oneof of one: left out when unset, as protojson does.
    expect('priority' in o).toBe(false);
  });

  test('proto-names and enum-numbers; int64 still chosen per call', () => {
    expect(out(item, '{"itemId": "a", "price": 7, "color": "COLOR_GREEN"}', protoNames)).toBe('{"item_id":"a","price":"7","color":"COLOR_GREEN"}');
    expect(out(item, '{"itemId": "a", "price": 7, "color": "COLOR_GREEN"}', protoNames | enumNumbers, true)).toBe('{"item_id":"a","price":7,"color":2}');
    expect(out(item, '{}', emitDefaults | protoNames | enumNumbers, true)).toBe('{"item_id":"","price":0,"color":0,"tags":[]}');
  });

  test('nested messages take the same shape; the default shape is unchanged', () => {
    const json = '{"orderId": "o", "items": [{"itemId": "i", "color": "COLOR_RED"}]}';
    expect(out(order, json, 0)).toBe('{"orderId":"o","items":[{"itemId":"i","color":"COLOR_RED"}]}');
    expect(JSON.parse(out(order, json, protoNames | enumNumbers)).items).toEqual([{ item_id: 'i', color: 1 }]);
  });
});

describe('Thrift JSON shapes', () => {
  const get = thriftMethod(shopService(), 'get');
  const reply = (json: string) => {
    // The result struct as a provider sends it: field 0, the Item.
    const success = get.provider.encodeReply(parseJson(json), 'binary');
    return Buffer.from(success);
  };

  test('enum-numbers writes enums (and enum map keys) as numbers', () => {
    const bytes = reply('{"id": 1, "name": "pen", "color": "BLUE", "byColor": {"GREEN": 1.5}}');
    expect(JSON.parse(get.decodeResult(bytes, 'binary', { int64AsNumber: false }))).toMatchObject({ color: 'BLUE', byColor: { GREEN: 1.5 } });
    expect(JSON.parse(get.decodeResult(bytes, 'binary', { int64AsNumber: false, shape: enumNumbers }))).toMatchObject({ color: 7, byColor: { '2': 1.5 } });
  });

  test('emit-defaults writes every declared field, unset ones as their zero value (null for structs and enums)', () => {
    const out = JSON.parse(get.decodeResult(reply('{"id": 1, "name": "pen"}'), 'binary', { int64AsNumber: true, shape: emitDefaults }));
    expect(out).toMatchObject({ id: 1, name: 'pen', price: null, tags: [], color: null, active: false, small: 0, count: 0, weight: 0, blob: '', codes: [], counters: {}, byPoint: [], byId: {}, children: [] });
    expect(Object.keys(out)).toHaveLength(21);
  });
});
