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
