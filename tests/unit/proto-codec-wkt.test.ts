import { asNumber, codecOf, encodeError, roundTrip } from '../fixtures/proto/load-fixture';

const wk = codecOf('codec.v1.WellKnown');

describe('well-known types: accepted and written as the spec says', () => {
  test.each([
    // Timestamp: RFC 3339 in, UTC "Z" out with 0, 3, 6 or 9 fraction digits
    ['{"at": "1970-01-01T00:00:00Z"}', '{"at":"1970-01-01T00:00:00Z"}'],
    ['{"at": "2024-02-29T23:59:59.5Z"}', '{"at":"2024-02-29T23:59:59.500Z"}'],
    ['{"at": "2024-01-01T00:00:00.000001Z"}', '{"at":"2024-01-01T00:00:00.000001Z"}'],
    ['{"at": "2024-01-01T00:00:00.123456789Z"}', '{"at":"2024-01-01T00:00:00.123456789Z"}'],
    ['{"at": "2024-01-01T00:00:00.1200Z"}', '{"at":"2024-01-01T00:00:00.120Z"}'],
    ['{"at": "2024-01-01T01:30:00+01:30"}', '{"at":"2024-01-01T00:00:00Z"}'],
    ['{"at": "2023-12-31T19:00:00-05:00"}', '{"at":"2024-01-01T00:00:00Z"}'],
    ['{"at": "0001-01-01T00:00:00Z"}', '{"at":"0001-01-01T00:00:00Z"}'],
    ['{"at": "9999-12-31T23:59:59.999999999Z"}', '{"at":"9999-12-31T23:59:59.999999999Z"}'],
    ['{"at": "1969-12-31T23:59:59.999Z"}', '{"at":"1969-12-31T23:59:59.999Z"}'],
    ['{"at": "0099-03-01T00:00:00Z"}', '{"at":"0099-03-01T00:00:00Z"}'],
    ['{"at": "1600-02-29T12:00:00Z"}', '{"at":"1600-02-29T12:00:00Z"}'],
    // Duration
    ['{"took": "1.5s"}', '{"took":"1.500s"}'],
    ['{"took": "0s"}', '{"took":"0s"}'],
    ['{"took": "-0.000000001s"}', '{"took":"-0.000000001s"}'],
    ['{"took": "-1.000001s"}', '{"took":"-1.000001s"}'],
    ['{"took": "315576000000.999999999s"}', '{"took":"315576000000.999999999s"}'],
    ['{"took": "-315576000000s"}', '{"took":"-315576000000s"}'],
    ['{"took": "3s"}', '{"took":"3s"}'],
    // wrappers: the bare value, written even when it is the default
    ['{"d": 1.5, "f": 0.1, "i32": -1, "u32": 4294967295, "b": true, "s": "x", "by": "AQID"}', '{"d":1.5,"f":0.1,"i32":-1,"u32":4294967295,"b":true,"s":"x","by":"AQID"}'],
    ['{"d": 0, "f": 0, "i64": 0, "u64": "0", "i32": 0, "u32": 0, "b": false, "s": "", "by": ""}', '{"d":0,"f":0,"i64":"0","u64":"0","i32":0,"u32":0,"b":false,"s":"","by":""}'],
    ['{"i64": 9223372036854775807, "u64": 18446744073709551615}', '{"i64":"9223372036854775807","u64":"18446744073709551615"}'],
    ['{"d": "NaN", "f": "-Infinity"}', '{"d":"NaN","f":"-Infinity"}'],
    ['{"d": null, "i64": null, "s": null}', '{}'],
    // Struct, Value, ListValue: arbitrary JSON
    ['{"st": {"a": 1, "b": [true, null, "s", {"c": {}}], "d": -0.5}}', '{"st":{"a":1,"b":[true,null,"s",{"c":{}}],"d":-0.5}}'],
    ['{"st": {}}', '{"st":{}}'],
    ['{"v": "text"}', '{"v":"text"}'],
    ['{"v": 3}', '{"v":3}'],
    ['{"v": false}', '{"v":false}'],
    ['{"v": null}', '{"v":null}'],
    ['{"v": [1, [2]]}', '{"v":[1,[2]]}'],
    ['{"v": {"x": null}}', '{"v":{"x":null}}'],
    ['{"v": 9007199254740992}', '{"v":9007199254740992}'],
    ['{"lv": [1, "a", null]}', '{"lv":[1,"a",null]}'],
    ['{"lv": []}', '{"lv":[]}'],
    ['{"values": [null, 1, {}]}', '{"values":[null,1,{}]}'],
    ['{"vmap": {"k": null, "j": [1]}}', '{"vmap":{"k":null,"j":[1]}}'],
    // NullValue: null is its only value; an implicit-presence field at its default is left out
    ['{"nv": null}', '{}'],
    ['{"nv": "NULL_VALUE"}', '{}'],
    // FieldMask: lowerCamelCase paths joined by commas <-> snake_case paths
    ['{"mask": "displayName,user.createdAt,photo"}', '{"mask":"displayName,user.createdAt,photo"}'],
    ['{"mask": ""}', '{"mask":""}'],
    // Empty
    ['{"empty": {}}', '{"empty":{}}'],
  ])('%s', (input, output) => {
    expect(roundTrip(wk, input)).toBe(output);
  });

  test('int64AsNumber applies to Int64Value and UInt64Value too', () => {
    expect(roundTrip(wk, '{"i64": "-9223372036854775808", "u64": 18446744073709551615}', asNumber)).toBe('{"i64":-9223372036854775808,"u64":18446744073709551615}');
  });

  test('a well-known type at the top level is its own JSON form', () => {
    const root = codecOf('google.protobuf.Timestamp');
    expect(roundTrip(root, '"2024-05-06T07:08:09.010Z"')).toBe('"2024-05-06T07:08:09.010Z"');
    expect(roundTrip(codecOf('google.protobuf.Empty'), '{}')).toBe('{}');
    expect(roundTrip(codecOf('google.protobuf.Value'), 'null')).toBe('null');
    expect(roundTrip(codecOf('google.protobuf.Struct'), '{"a": {"b": [1]}}')).toBe('{"a":{"b":[1]}}');
    expect(roundTrip(codecOf('google.protobuf.Int64Value'), '12345678901234567890'.slice(0, 19))).toBe('"1234567890123456789"');
  });

  test('FieldMask snake_case paths become lowerCamelCase on output', () => {
    const mask = codecOf('google.protobuf.FieldMask');
    // built from the snake_case form, as a Java or Go server would send it
    const bytes = Buffer.from([0x0a, 0x0c, ...Buffer.from('display_name'), 0x0a, 0x0d, ...Buffer.from('user.photo_id')]);
    expect(mask.toJson(bytes, { int64AsNumber: false })).toBe('"displayName,user.photoId"');
  });
});

describe('Any', () => {
  test.each([
    // a message type: its fields beside "@type"
    ['{"any": {"@type": "type.googleapis.com/codec.v1.Item", "itemId": "a", "price": "9223372036854775807"}}', '{"any":{"@type":"type.googleapis.com/codec.v1.Item","itemId":"a","price":"9223372036854775807"}}'],
    ['{"any": {"@type": "type.googleapis.com/codec.v1.Item"}}', '{"any":{"@type":"type.googleapis.com/codec.v1.Item"}}'],
    ['{"any": {"@type": "example.com/x/codec.v1.Item", "item_id": "b"}}', '{"any":{"@type":"example.com/x/codec.v1.Item","itemId":"b"}}'],
    // a well-known type with a special JSON form: {"@type", "value"}
    ['{"any": {"@type": "type.googleapis.com/google.protobuf.Duration", "value": "1.5s"}}', '{"any":{"@type":"type.googleapis.com/google.protobuf.Duration","value":"1.500s"}}'],
    ['{"any": {"@type": "type.googleapis.com/google.protobuf.Struct", "value": {"a": [1]}}}', '{"any":{"@type":"type.googleapis.com/google.protobuf.Struct","value":{"a":[1]}}}'],
    ['{"any": {"@type": "type.googleapis.com/google.protobuf.Int64Value", "value": 9223372036854775807}}', '{"any":{"@type":"type.googleapis.com/google.protobuf.Int64Value","value":"9223372036854775807"}}'],
    ['{"any": {"@type": "type.googleapis.com/google.protobuf.Any", "value": {"@type": "type.googleapis.com/codec.v1.Item", "tags": ["t"]}}}', '{"any":{"@type":"type.googleapis.com/google.protobuf.Any","value":{"@type":"type.googleapis.com/codec.v1.Item","tags":["t"]}}}'],
    // Empty has no special form: it is a message without fields
    ['{"any": {"@type": "type.googleapis.com/google.protobuf.Empty"}}', '{"any":{"@type":"type.googleapis.com/google.protobuf.Empty"}}'],
    // google.rpc types are bundled, so an Any may carry them without an import
    ['{"any": {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "R", "metadata": {"k": "v"}}}', '{"any":{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"R","metadata":{"k":"v"}}}'],
    ['{"anys": [{"@type": "type.googleapis.com/codec.v1.Item", "color": "COLOR_RED"}, {}]}', '{"anys":[{"@type":"type.googleapis.com/codec.v1.Item","color":"COLOR_RED"},{}]}'],
    ['{"any": {}}', '{"any":{}}'],
  ])('%s', (input, output) => {
    expect(roundTrip(wk, input)).toBe(output);
  });

  test('an Any of a type the root does not know comes out as base64 rather than failing', () => {
    // field 17 (any) = Any{type_url: "type.googleapis.com/x.Unknown", value: 0x08 0x01}
    const url = Buffer.from('type.googleapis.com/x.Unknown');
    const anyBytes = Buffer.concat([Buffer.from([0x0a, url.length]), url, Buffer.from([0x12, 0x02, 0x08, 0x01])]);
    const msg = Buffer.concat([Buffer.from([0x8a, 0x01, anyBytes.length]), anyBytes]);
    expect(wk.toJson(msg, { int64AsNumber: false })).toBe('{"any":{"@type":"type.googleapis.com/x.Unknown","value":"CAE="}}');
  });
});

describe('well-known types: refused input names the path', () => {
  test.each([
    ['{"at": "2024-01-01 00:00:00Z"}', 'at: invalid timestamp "2024-01-01 00:00:00Z" (want RFC 3339, e.g. "2024-01-01T00:00:00Z")'],
    ['{"at": "2024-01-01T00:00:00"}', 'at: invalid timestamp "2024-01-01T00:00:00" (want RFC 3339, e.g. "2024-01-01T00:00:00Z")'],
    ['{"at": "2023-02-29T00:00:00Z"}', 'at: invalid timestamp "2023-02-29T00:00:00Z" (no such date or time)'],
    ['{"at": "2024-01-01T24:00:00Z"}', 'at: invalid timestamp "2024-01-01T24:00:00Z" (no such date or time)'],
    ['{"at": "2024-01-01T00:00:00.1234567891Z"}', 'at: invalid timestamp "2024-01-01T00:00:00.1234567891Z" (want RFC 3339, e.g. "2024-01-01T00:00:00Z")'],
    ['{"at": "0000-12-31T23:59:59Z"}', 'at: timestamp "0000-12-31T23:59:59Z" is out of range (0001-01-01 to 9999-12-31)'],
    ['{"at": "0001-01-01T00:00:00+00:01"}', 'at: timestamp "0001-01-01T00:00:00+00:01" is out of range (0001-01-01 to 9999-12-31)'],
    ['{"at": 1700000000}', 'at: expected an RFC 3339 timestamp string'],
    ['{"took": "1.5"}', 'took: invalid duration "1.5" (want e.g. "1.5s")'],
    ['{"took": "1.5 s"}', 'took: invalid duration "1.5 s" (want e.g. "1.5s")'],
    ['{"took": "1.0000000001s"}', 'took: invalid duration "1.0000000001s" (want e.g. "1.5s")'],
    ['{"took": "315576000001s"}', 'took: duration "315576000001s" is out of range (10000 years)'],
    ['{"took": 3}', 'took: expected a duration string such as "1.5s"'],
    ['{"i32": 2147483648}', 'i32: 2147483648 is out of range for int32'],
    ['{"u64": -1}', 'u64: -1 is out of range for uint64'],
    ['{"b": "yes"}', 'b: expected boolean, got string "yes"'],
    ['{"st": [1]}', 'st: expected an object (google.protobuf.Struct), got an array'],
    ['{"st": {"a": {"b": [1, 12345678901234567891]}}}', 'st.a.b[1]: 12345678901234567891 would lose precision in google.protobuf.Value (a double); send it as a string'],
    ['{"v": 1e400}', 'v: number is out of range for google.protobuf.Value (a double)'],
    ['{"lv": {}}', 'lv: expected an array (google.protobuf.ListValue), got an object'],
    ['{"nv": 1}', 'nv: unknown value 1 for enum google.protobuf.NullValue'],
    ['{"nv": "NULL"}', 'nv: unknown value "NULL" for enum google.protobuf.NullValue'],
    ['{"mask": "display_name"}', 'mask: invalid field mask path "display_name" (want lowerCamelCase names joined by ".")'],
    ['{"mask": ["a"]}', 'mask: expected a field mask string such as "user.displayName,photo", got an array'],
    ['{"empty": {"x": 1}}', 'empty.x: unknown field (not in google.protobuf.Empty)'],
    ['{"any": {"@type": "type.googleapis.com/codec.v1.Nope"}}', 'any["@type"]: unknown type URL "type.googleapis.com/codec.v1.Nope" (no such message type in the IDL)'],
    ['{"any": {"@type": "type.googleapis.com/"}}', 'any["@type"]: unknown type URL "type.googleapis.com/" (no such message type in the IDL)'],
    ['{"any": {"@type": 5}}', 'any["@type"]: expected a type URL string, got number 5'],
    ['{"any": {"itemId": "a"}}', 'any.itemId: google.protobuf.Any needs "@type" before any other member'],
    ['{"any": {"@type": "type.googleapis.com/codec.v1.Item", "price": "x"}}', 'any.price: expected int64, got string "x"'],
    ['{"any": {"@type": "type.googleapis.com/codec.v1.Item", "value": "x"}}', 'any.value: unknown field (not in codec.v1.Item)'],
    ['{"any": {"@type": "type.googleapis.com/google.protobuf.Duration", "value": "x"}}', 'any.value: invalid duration "x" (want e.g. "1.5s")'],
    ['{"any": {"@type": "type.googleapis.com/google.protobuf.Duration", "seconds": 1}}', 'any.seconds: unknown field (an Any of google.protobuf.Duration has only "@type" and "value")'],
    ['{"any": {"@type": "type.googleapis.com/google.protobuf.Duration"}}', 'any: an Any of google.protobuf.Duration needs "value"'],
    ['{"anys": [{}, {"@type": "type.googleapis.com/codec.v1.Item", "tags": [1]}]}', 'anys[1].tags[0]: expected string, got number 1'],
  ])('%s', (input, message) => {
    expect(encodeError(wk, input)).toBe(`INVALID_ARGUMENT: ${message}`);
  });
});
