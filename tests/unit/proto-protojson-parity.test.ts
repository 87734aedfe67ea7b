import { codecOf, encodeError, roundTrip } from '../fixtures/proto/load-fixture';

/** Differences from Go's protojson that the differential test found, one golden case each. */
const sc = codecOf('codec.v1.Scalars');
const order = codecOf('codec.v1.Order');
const wk = codecOf('codec.v1.WellKnown');

describe('numeric strings follow JSON number grammar, as in protojson', () => {
  test.each([
    ['{"dbl": ".5"}', 'dbl: expected double, got string ".5"'],
    ['{"dbl": "5."}', 'dbl: expected double, got string "5."'],
    ['{"flt": "+1"}', 'flt: expected float, got string "+1"'],
    ['{"i32": "01"}', 'i32: expected int32, got string "01"'],
    ['{"i64": "-01"}', 'i64: expected int64, got string "-01"'],
    ['{"u64": "+5"}', 'u64: expected uint64, got string "+5"'],
    ['{"i32": ".5e1"}', 'i32: expected int32, got string ".5e1"'],
  ])('%s is refused', (input, message) => {
    expect(encodeError(sc, input)).toBe(`INVALID_ARGUMENT: ${message}`);
  });
  test.each([
    ['{"dbl": "0.5", "flt": "-0", "i32": "1.0", "i64": "1e2", "u64": "0.5e1"}', '{"i32":1,"i64":"100","u64":"5","flt":-0,"dbl":0.5}'],
    ['{"i32": "-0", "u32": "4294967295"}', '{"u32":4294967295}'],
  ])('%s is read', (input, output) => {
    expect(roundTrip(sc, input)).toBe(output);
  });
});

describe('integer map keys read as protojson reads them (Go strconv: leading zeros, a sign when signed)', () => {
  test.each([
    ['{"bySlot": {"+1": {}, "007": {"itemId": "x"}}}', '{"bySlot":{"1":{},"7":{"itemId":"x"}}}'],
    ['{"byId": {"-0": "z", "-09": "n"}}', '{"byId":{"0":"z","-9":"n"}}'],
    ['{"byBig": {"018446744073709551615": "1"}}', '{"byBig":{"18446744073709551615":"1"}}'],
  ])('%s', (input, output) => {
    expect(roundTrip(order, input)).toBe(output);
  });
  test.each([
    ['{"byBig": {"-0": "1"}}', 'byBig["-0"]: map key "-0" is not an uint64'],
    ['{"byBig": {"+1": "1"}}', 'byBig["+1"]: map key "+1" is not an uint64'],
    ['{"byBig": {"-1": "1"}}', 'byBig["-1"]: -1 is out of range for uint64'],
    ['{"bySlot": {"1e2": {}}}', 'bySlot["1e2"]: map key "1e2" is not an int32'],
    ['{"bySlot": {" 1": {}}}', 'bySlot[" 1"]: map key " 1" is not an int32'],
    ['{"bySlot": {"+-1": {}}}', 'bySlot["+-1"]: map key "+-1" is not an int32'],
  ])('%s is refused', (input, message) => {
    expect(encodeError(order, input)).toBe(`INVALID_ARGUMENT: ${message}`);
  });
});

describe('null for a repeated Value is no list (protojson refuses it); for a map it means unset', () => {
  test('refused', () => {
    expect(encodeError(wk, '{"values": null}')).toBe('INVALID_ARGUMENT: values: expected an array, got null');
  });
  test('read', () => {
    expect(roundTrip(wk, '{"vmap": null, "lv": null, "st": null, "values": [null]}')).toBe('{"values":[null]}');
  });
});

describe('an Any of google.protobuf.Empty', () => {
  test.each([
    ['{"any": {"@type": "type.googleapis.com/google.protobuf.Empty", "value": {}}}', '{"any":{"@type":"type.googleapis.com/google.protobuf.Empty"}}'],
    ['{"any": {"@type": "type.googleapis.com/google.protobuf.Empty"}}', '{"any":{"@type":"type.googleapis.com/google.protobuf.Empty"}}'],
  ])('%s', (input, output) => {
    expect(roundTrip(wk, input)).toBe(output);
  });
  test('with a non-empty value is refused', () => {
    expect(encodeError(wk, '{"any": {"@type": "type.googleapis.com/google.protobuf.Empty", "value": {"x": 1}}}')).toBe('INVALID_ARGUMENT: any.value: unknown field (not in google.protobuf.Empty)');
  });
});

describe('Duration as protojson reads it: a sign, no leading zeros, an empty integer or fraction part', () => {
  test.each([
    ['+1s', '1s'],
    ['.5s', '0.500s'],
    ['-.5s', '-0.500s'],
    ['1.s', '1s'],
    ['.s', '0s'],
    ['+0.000000001s', '0.000000001s'],
  ])('%s', (input, output) => {
    expect(roundTrip(wk, `{"took": "${input}"}`)).toBe(`{"took":"${output}"}`);
  });
  test.each(['00s', '01.5s', 's', '-s', '+-1s', '1.5S', '1e1s'])('%s is refused', (input) => {
    expect(encodeError(wk, `{"took": "${input}"}`)).toBe(`INVALID_ARGUMENT: took: invalid duration "${input}" (want e.g. "1.5s")`);
  });
});

describe('an Any type URL without a "/" names the type as it stands (protojson resolves it so)', () => {
  test.each([
    ['{"any": {"@type": "codec.v1.Item", "itemId": "a"}}', '{"any":{"@type":"codec.v1.Item","itemId":"a"}}'],
    ['{"any": {"@type": "x/y/codec.v1.Item"}}', '{"any":{"@type":"x/y/codec.v1.Item"}}'],
  ])('%s', (input, output) => {
    expect(roundTrip(wk, input)).toBe(output);
  });
});

describe('Timestamp UTC offsets up to +24:60, as protojson reads them', () => {
  test.each([
    ['2024-01-01T00:00:00+24:00', '2023-12-31T00:00:00Z'],
    ['2024-01-01T00:00:00-24:00', '2024-01-02T00:00:00Z'],
    ['2024-01-01T00:00:00+23:60', '2023-12-31T00:00:00Z'],
    ['2024-01-01T00:00:00.5+14:00', '2023-12-31T10:00:00.500Z'],
  ])('%s', (input, output) => {
    expect(roundTrip(wk, `{"at": "${input}"}`)).toBe(`{"at":"${output}"}`);
  });
  test.each(['2024-01-01T00:00:00+25:00', '2024-01-01T00:00:00+00:61'])('%s is refused', (input) => {
    expect(encodeError(wk, `{"at": "${input}"}`)).toBe(`INVALID_ARGUMENT: at: invalid timestamp "${input}" (bad UTC offset)`);
  });
});

describe('one field or map key given twice, in any spelling, is refused as protojson refuses it', () => {
  test.each([
    ['{"orderId": null, "order_id": "a"}', 'order_id: field given twice (by its JSON name and its proto name)'],
    ['{"byId": {"1": "a", "01": "b"}}', 'byId["01"]: map keys "1" and "01" are the same key'],
    ['{"byId": {"+7": "a", "7": "b"}}', 'byId["+7"]: map keys "7" and "+7" are the same key'],
    ['{"byBig": {"0": "1", "00": "2"}}', 'byBig["00"]: map keys "0" and "00" are the same key'],
    ['{"bySlot": {"-0": {}, "0": {}}}', 'bySlot["-0"]: map keys "0" and "-0" are the same key'],
  ])('%s', (input, message) => {
    expect(encodeError(order, input)).toBe(`INVALID_ARGUMENT: ${message}`);
  });
  test('different keys in non-canonical spellings are fine', () => {
    // ("3" comes first: JavaScript objects list integer-like keys first.)
    expect(roundTrip(order, '{"byId": {"01": "a", "+2": "b", "3": "c"}}')).toBe('{"byId":{"3":"c","1":"a","2":"b"}}');
  });
});
