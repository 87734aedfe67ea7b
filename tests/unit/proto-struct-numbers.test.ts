import { structNumber } from '../../adapters/grpc/codec/struct-number';
import { codecOf, encodeError, roundTrip } from '../fixtures/proto/load-fixture';

/** Issue 16: a number inside Struct / Value / ListValue is a double, written as serializers write doubles. */
const wk = codecOf('codec.v1.WellKnown');
const sc = codecOf('codec.v1.Scalars');

describe('Struct and Value numbers: every printed double is accepted', () => {
  test.each([
    // Go, Java and JavaScript (shortest digits, exponent forms)
    ['{"st": {"x": 5.177104698529783e+36}}', '{"st":{"x":5.177104698529783e+36}}'],
    ['{"st": {"x": -2.5533609079989956e+35}}', '{"st":{"x":-2.5533609079989956e+35}}'],
    ['{"st": {"x": 39227536942535650000}}', '{"st":{"x":39227536942535650000}}'],
    // the mesh's own output for 2^60 reads back as the same double
    ['{"st": {"x": 1.152921504606846976e18}}', '{"st":{"x":1152921504606847000}}'],
    ['{"st": {"x": 1152921504606847000}}', '{"st":{"x":1152921504606847000}}'],
    // the exact value of a double beyond 2^53
    ['{"st": {"x": 1152921504606846976}}', '{"st":{"x":1152921504606847000}}'],
    ['{"v": 9007199254740992}', '{"v":9007199254740992}'],
    ['{"v": -9223372036854775808}', '{"v":-9223372036854776000}'],
    // printf %.17g and older Java: 17 significant digits
    ['{"v": 9.9999999999999992e+22}', '{"v":1e+23}'],
    ['{"v": 99999999999999992000000}', '{"v":1e+23}'],
    ['{"lv": [3.9227536942535647e+19, 1e+300]}', '{"lv":[39227536942535650000,1e+300]}'],
    ['{"vmap": {"k": 1.7976931348623157e308}}', '{"vmap":{"k":1.7976931348623157e+308}}'],
    ['{"values": [1e21, 123456789012345680000]}', '{"values":[1e+21,123456789012345680000]}'],
  ])('%s', (input, output) => {
    expect(roundTrip(wk, input)).toBe(output);
  });

  test('the reply body is accepted again (the mesh reads its own output)', () => {
    for (const x of ['1.152921504606846976e18', '5.177104698529783e+36', '1.8446744073709552e+19', '-4.611686018427388e18']) {
      const once = roundTrip(wk, `{"st":{"x":${x}}}`);
      expect(roundTrip(wk, once)).toBe(once);
    }
  });
});

describe('Struct and Value numbers: an integer literal that a double would change is refused', () => {
  test.each([
    ['{"st": {"id": 9007199254740993}}', 'INVALID_ARGUMENT: st.id: 9007199254740993 would lose precision in google.protobuf.Value (a double); send it as a string'],
    ['{"v": -9007199254740993}', 'INVALID_ARGUMENT: v: -9007199254740993 would lose precision in google.protobuf.Value (a double); send it as a string'],
    ['{"lv": [1, 9223372036854775807]}', 'INVALID_ARGUMENT: lv[1]: 9223372036854775807 would lose precision in google.protobuf.Value (a double); send it as a string'],
    // an integer written with a fraction or exponent that no printing of a double gives
    ['{"v": 18446744073709551615.0}', 'INVALID_ARGUMENT: v: 18446744073709551615 would lose precision in google.protobuf.Value (a double); send it as a string'],
    ['{"vmap": {"a b": {"c": [1152921504606846977]}}}', 'INVALID_ARGUMENT: vmap["a b"].c[0]: 1152921504606846977 would lose precision in google.protobuf.Value (a double); send it as a string'],
  ])('%s', (input, message) => {
    expect(encodeError(wk, input)).toBe(message);
  });
});

describe('typed double and float fields accept every number', () => {
  test.each([
    ['{"dbl": 9007199254740993}', '{"dbl":9007199254740992}'],
    ['{"dbl": 12345678901234567891}', '{"dbl":12345678901234567000}'],
    ['{"flt": 9007199254740993}', '{"flt":9007199000000000}'],
    ['{"dbl": 5.177104698529783e+36}', '{"dbl":5.177104698529783e+36}'],
  ])('%s', (input, output) => {
    expect(roundTrip(sc, input)).toBe(output);
  });
  test('DoubleValue wrapper too', () => {
    expect(roundTrip(wk, '{"d": 9007199254740993}')).toBe('{"d":9007199254740992}');
  });
});

describe('structNumber', () => {
  test.each([
    [2n ** 60n, 2 ** 60],
    [1152921504606847000n, 2 ** 60],
    [99999999999999992000000n, 1e23],
    [100000000000000000000000n, 1e23],
  ])('%s reads as a double', (big, n) => {
    expect(structNumber(big)).toBe(n);
  });
  test.each([[9007199254740993n], [1152921504606846977n], [12345678901234567891n]])('%s is refused', (big) => {
    expect(structNumber(big)).toBeUndefined();
  });
});
