import { asNumber, asString, codecOf, encodeError, roundTrip } from '../fixtures/proto/load-fixture';

const scalars = codecOf('codec.v1.Scalars');

describe('proto scalars: accepted values and their canonical output', () => {
  test.each([
    // int32 family at the limits, and the forms proto3 JSON allows
    ['{"i32": 2147483647}', '{"i32":2147483647}'],
    ['{"i32": -2147483648}', '{"i32":-2147483648}'],
    ['{"i32": "-17"}', '{"i32":-17}'],
    ['{"i32": 1.0}', '{"i32":1}'],
    ['{"i32": "1e2"}', '{"i32":100}'],
    ['{"i32": "2.50e1"}', '{"i32":25}'],
    ['{"u32": 4294967295}', '{"u32":4294967295}'],
    ['{"u32": "4294967295"}', '{"u32":4294967295}'],
    ['{"s32": -2147483648}', '{"s32":-2147483648}'],
    ['{"s32": 2147483647}', '{"s32":2147483647}'],
    ['{"f32": 4294967295}', '{"f32":4294967295}'],
    ['{"sf32": -2147483648}', '{"sf32":-2147483648}'],
    // 64-bit: strings and bare numbers of any size, never losing a digit
    ['{"i64": "9223372036854775807"}', '{"i64":"9223372036854775807"}'],
    ['{"i64": 9223372036854775807}', '{"i64":"9223372036854775807"}'],
    ['{"i64": -9223372036854775808}', '{"i64":"-9223372036854775808"}'],
    ['{"i64": "-9223372036854775808"}', '{"i64":"-9223372036854775808"}'],
    ['{"i64": 9007199254740993}', '{"i64":"9007199254740993"}'],
    ['{"i64": 1e18}', '{"i64":"1000000000000000000"}'],
    ['{"i64": "1.5e3"}', '{"i64":"1500"}'],
    ['{"i64": -1}', '{"i64":"-1"}'],
    ['{"u64": 18446744073709551615}', '{"u64":"18446744073709551615"}'],
    ['{"u64": "18446744073709551615"}', '{"u64":"18446744073709551615"}'],
    ['{"u64": 9223372036854775808}', '{"u64":"9223372036854775808"}'],
    ['{"s64": -9223372036854775808}', '{"s64":"-9223372036854775808"}'],
    ['{"s64": 9223372036854775807}', '{"s64":"9223372036854775807"}'],
    ['{"s64": -5}', '{"s64":"-5"}'],
    ['{"f64": 18446744073709551615}', '{"f64":"18446744073709551615"}'],
    ['{"f64": "4294967296"}', '{"f64":"4294967296"}'],
    ['{"sf64": -9223372036854775808}', '{"sf64":"-9223372036854775808"}'],
    ['{"sf64": 9223372036854775807}', '{"sf64":"9223372036854775807"}'],
    // float is printed as the shortest decimal of the float32 value
    ['{"flt": 0.1}', '{"flt":0.1}'],
    ['{"flt": 3.4028234663852886e38}', '{"flt":3.4028235e+38}'],
    ['{"flt": 1.17549435e-38}', '{"flt":1.1754944e-38}'],
    ['{"flt": "1.5"}', '{"flt":1.5}'],
    ['{"flt": 16777217}', '{"flt":16777216}'],
    ['{"flt": "NaN"}', '{"flt":"NaN"}'],
    ['{"flt": "Infinity"}', '{"flt":"Infinity"}'],
    ['{"flt": "-Infinity"}', '{"flt":"-Infinity"}'],
    ['{"dbl": 1.7976931348623157e308}', '{"dbl":1.7976931348623157e+308}'],
    ['{"dbl": 5e-324}', '{"dbl":5e-324}'],
    ['{"dbl": 0.1}', '{"dbl":0.1}'],
    ['{"dbl": "-2.5e-3"}', '{"dbl":-0.0025}'],
    ['{"dbl": 12345678901234567890}', '{"dbl":12345678901234567000}'],
    ['{"dbl": "NaN"}', '{"dbl":"NaN"}'],
    ['{"dbl": "Infinity"}', '{"dbl":"Infinity"}'],
    ['{"dbl": "-Infinity"}', '{"dbl":"-Infinity"}'],
    ['{"dbl": -0}', '{"dbl":-0}'],
    ['{"flag": true}', '{"flag":true}'],
    ['{"text": "héllo \\ud83d\\ude00 \\"q\\" \\n"}', '{"text":"héllo 😀 \\"q\\" \\n"}'],
    // bytes: standard or URL-safe base64, padding optional; always standard and padded out
    ['{"data": "AQID"}', '{"data":"AQID"}'],
    ['{"data": "-_8="}', '{"data":"+/8="}'],
    ['{"data": "-_8"}', '{"data":"+/8="}'],
    ['{"data": "AQ"}', '{"data":"AQ=="}'],
    // proto3 defaults are left out
    ['{"i32": 0, "u32": 0, "i64": "0", "u64": 0, "flt": 0, "dbl": 0.0, "flag": false, "text": "", "data": ""}', '{}'],
    ['{}', '{}'],
    // null for a scalar means unset
    ['{"i32": null, "text": null, "data": null}', '{}'],
  ])('%s', (input, output) => {
    expect(roundTrip(scalars, input)).toBe(output);
  });

  test('both names are accepted (proto name and lowerCamelCase)', () => {
    const order = codecOf('codec.v1.Order');
    expect(roundTrip(order, '{"order_id": "a"}')).toBe('{"orderId":"a"}');
    expect(roundTrip(order, '{"orderId": "a"}')).toBe('{"orderId":"a"}');
    expect(roundTrip(order, '{"custom": 3}')).toBe('{"myCustom":3}');
    expect(roundTrip(order, '{"myCustom": 3}')).toBe('{"myCustom":3}');
  });

  test('int64AsNumber writes every 64-bit type as an exact bare number', () => {
    const input = '{"i64": -9223372036854775808, "u64": 18446744073709551615, "s64": 9223372036854775807, "f64": 18446744073709551615, "sf64": -1, "i32": 7}';
    expect(roundTrip(scalars, input, asNumber)).toBe(
      '{"i32":7,"i64":-9223372036854775808,"u64":18446744073709551615,"s64":9223372036854775807,"f64":18446744073709551615,"sf64":-1}',
    );
    expect(roundTrip(scalars, input, asString)).toBe(
      '{"i32":7,"i64":"-9223372036854775808","u64":"18446744073709551615","s64":"9223372036854775807","f64":"18446744073709551615","sf64":"-1"}',
    );
  });

  test('fields come out in field-number order whatever the input order', () => {
    expect(roundTrip(scalars, '{"text": "t", "flag": true, "i32": 1}')).toBe('{"i32":1,"flag":true,"text":"t"}');
  });
});

describe('proto scalars: refused values name the path', () => {
  test.each([
    ['{"i32": 2147483648}', 'i32: 2147483648 is out of range for int32'],
    ['{"i32": -2147483649}', 'i32: -2147483649 is out of range for int32'],
    ['{"i32": "2147483648"}', 'i32: 2147483648 is out of range for int32'],
    ['{"i32": 1.5}', 'i32: expected int32, got non-integer 1.5'],
    ['{"i32": "1.5"}', 'i32: expected int32, got non-integer string "1.5"'],
    ['{"i32": "12abc"}', 'i32: expected int32, got string "12abc"'],
    ['{"i32": " 12"}', 'i32: expected int32, got string " 12"'],
    ['{"i32": true}', 'i32: expected int32, got boolean true'],
    ['{"i32": [1]}', 'i32: expected int32, got an array'],
    ['{"i32": 1e400}', 'i32: number is out of range for int32'],
    ['{"u32": -1}', 'u32: -1 is out of range for uint32'],
    ['{"u32": 4294967296}', 'u32: 4294967296 is out of range for uint32'],
    ['{"s32": 2147483648}', 's32: 2147483648 is out of range for sint32'],
    ['{"f32": -1}', 'f32: -1 is out of range for fixed32'],
    ['{"sf32": 2147483648}', 'sf32: 2147483648 is out of range for sfixed32'],
    ['{"i64": 9223372036854775808}', 'i64: 9223372036854775808 is out of range for int64'],
    ['{"i64": "9223372036854775808"}', 'i64: 9223372036854775808 is out of range for int64'],
    ['{"i64": -9223372036854775809}', 'i64: -9223372036854775809 is out of range for int64'],
    ['{"i64": 1e19}', 'i64: 10000000000000000000 is out of range for int64'],
    ['{"i64": 1.5}', 'i64: expected int64, got non-integer 1.5'],
    ['{"i64": "0x10"}', 'i64: expected int64, got string "0x10"'],
    ['{"i64": ""}', 'i64: expected int64, got string ""'],
    ['{"i64": {}}', 'i64: expected int64, got an object'],
    ['{"u64": -1}', 'u64: -1 is out of range for uint64'],
    ['{"u64": "-1"}', 'u64: -1 is out of range for uint64'],
    ['{"u64": 18446744073709551616}', 'u64: 18446744073709551616 is out of range for uint64'],
    ['{"s64": 9223372036854775808}', 's64: 9223372036854775808 is out of range for sint64'],
    ['{"f64": -1}', 'f64: -1 is out of range for fixed64'],
    ['{"f64": 18446744073709551616}', 'f64: 18446744073709551616 is out of range for fixed64'],
    ['{"sf64": -9223372036854775809}', 'sf64: -9223372036854775809 is out of range for sfixed64'],
    ['{"flt": 3.5e38}', 'flt: 3.5e+38 is out of range for float'],
    ['{"flt": "-3.5e38"}', 'flt: -3.5e38 is out of range for float'],
    ['{"flt": "nan"}', 'flt: expected float, got string "nan"'],
    ['{"flt": true}', 'flt: expected float, got boolean true'],
    ['{"dbl": 1e400}', 'dbl: Infinity is out of range for double'],
    ['{"dbl": "1e400"}', 'dbl: 1e400 is out of range for double'],
    ['{"dbl": "abc"}', 'dbl: expected double, got string "abc"'],
    ['{"flag": "true"}', 'flag: expected boolean, got string "true"'],
    ['{"flag": 1}', 'flag: expected boolean, got number 1'],
    ['{"text": 5}', 'text: expected string, got number 5'],
    ['{"text": "\\ud800"}', 'text: string holds an unpaired surrogate (not valid UTF-8)'],
    ['{"data": "A"}', 'data: invalid base64'],
    ['{"data": "AQ=D"}', 'data: invalid base64'],
    ['{"data": "AQI=="}', 'data: invalid base64'],
    ['{"data": "!!"}', 'data: invalid base64'],
    ['{"data": 12}', 'data: expected base64 string, got number 12'],
    ['{"nope": 1}', 'nope: unknown field (not in codec.v1.Scalars)'],
    ['{"I32": 1}', 'I32: unknown field (not in codec.v1.Scalars)'],
    ['[]', 'expected an object (codec.v1.Scalars), got an array'],
    ['null', 'expected an object (codec.v1.Scalars), got null'],
    ['"x"', 'expected an object (codec.v1.Scalars), got string "x"'],
  ])('%s', (input, message) => {
    expect(encodeError(scalars, input)).toBe(`INVALID_ARGUMENT: ${message}`);
  });
});
