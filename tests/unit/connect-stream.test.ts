import { connectStreamBody } from '../../src/sidecar/outbound/connect-stream';
import { envelope, EnvelopeFlags, messageEnvelope } from '../../src/sidecar/outbound/connect-envelope';
import { MeshError } from '../../src/errors/mesh-error';

/** A Connect streaming request's body, as the JSON stream layer takes it: one message a line. */
describe('connectStreamBody', () => {
  test('each enveloped message becomes one line; newlines inside JSON (whitespace) become spaces', () => {
    const body = Buffer.concat([messageEnvelope('{"a":\n1}'), messageEnvelope('{"b":"x\\ny"}')]);
    expect(connectStreamBody(body, 1024)).toBe('{"a": 1}\n{"b":"x\\ny"}');
  });

  test('an end-stream envelope from the caller carries no message', () => {
    const body = Buffer.concat([messageEnvelope('{}'), envelope(EnvelopeFlags.endStream, Buffer.from('{}'))]);
    expect(connectStreamBody(body, 1024)).toBe('{}');
  });

  test('no message, a cut envelope, an oversized one or invalid UTF-8 are refused', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return (err as MeshError).code;
      }
      return 'none';
    };
    expect(code(() => connectStreamBody(Buffer.alloc(0), 1024))).toBe('INVALID_ARGUMENT');
    expect(code(() => connectStreamBody(messageEnvelope('{"a":1}').subarray(0, 8), 1024))).toBe('INVALID_ARGUMENT');
    expect(code(() => connectStreamBody(messageEnvelope('{"a":"' + 'x'.repeat(2000) + '"}'), 1024))).toBe('RESOURCE_EXHAUSTED');
    expect(code(() => connectStreamBody(envelope(0, Buffer.from([0xff, 0xfe])), 1024))).toBe('INVALID_ARGUMENT');
  });
});
