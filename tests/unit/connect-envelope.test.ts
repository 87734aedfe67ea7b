import fc from 'fast-check';
import { MeshError } from '../../src/errors/mesh-error';
import { endStreamEnvelope, envelope, EnvelopeFlags, EnvelopeReader, messageEnvelope } from '../../src/sidecar/outbound/connect-envelope';
import { check, chunked, corpus, expectRefusal, hex } from '../fuzz/fuzz-harness';

/**
 * Connect's streaming envelopes (`application/connect+json`): flags byte, big-endian u32 length,
 * payload; the end-stream message last. The reader takes network input, so it joins the fuzz suite.
 */

function readAll(chunks: Buffer[], limit: number): ReturnType<EnvelopeReader['push']> {
  const r = new EnvelopeReader(limit);
  const out = chunks.flatMap((c) => r.push(c));
  r.finish();
  return out;
}

describe('Connect envelopes', () => {
  it('writes the flags byte, the length big-endian and the payload', () => {
    expect(messageEnvelope('{"a":1}')).toEqual(Buffer.from([0, 0, 0, 0, 7, ...Buffer.from('{"a":1}')]));
    expect(envelope(EnvelopeFlags.endStream, Buffer.alloc(300))[0]).toBe(2);
    expect(envelope(0, Buffer.alloc(300)).readUInt32BE(1)).toBe(300);
  });

  it('ends a stream with the error in Connect\'s shape and the metadata as lists', () => {
    const end = endStreamEnvelope(new MeshError('NOT_FOUND', 'no item 42'), { 'x-shard': 'b' });
    const [frame] = readAll([end], 1024);
    expect(frame.flags).toBe(EnvelopeFlags.endStream);
    expect(JSON.parse(frame.payload.toString())).toEqual({ error: { code: 'not_found', message: 'no item 42' }, metadata: { 'x-shard': ['b'] } });
    expect(JSON.parse(readAll([endStreamEnvelope(undefined, {})], 1024)[0].payload.toString())).toEqual({});
  });

  it('refuses an envelope over the limit from its header, compression nobody negotiated, unknown flags, data after the end, and a cut-off envelope', () => {
    expect(() => new EnvelopeReader(10).push(hex('00000000ff'))).toThrow(expect.objectContaining({ code: 'RESOURCE_EXHAUSTED' }));
    expect(() => new EnvelopeReader(10).push(hex('01000000017b'))).toThrow(expect.objectContaining({ code: 'UNIMPLEMENTED' }));
    expect(() => new EnvelopeReader(10).push(hex('80000000017b'))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => new EnvelopeReader(10).push(hex('02000000000000000000'))).toThrow(/after the end-stream/);
    const r = new EnvelopeReader(10);
    r.push(hex('000000000a7b'));
    expect(() => r.finish()).toThrow(/ended inside an envelope/);
  });
});

describe('Connect envelope reader fuzz', () => {
  test.each(corpus('connect-envelopes'))('corpus: %s', (h) => {
    try {
      readAll([hex(h)], 8);
    } catch (err) {
      expectRefusal(err, ['INVALID_ARGUMENT', 'RESOURCE_EXHAUSTED', 'UNIMPLEMENTED']);
    }
  });

  test('messages in any chunking come back whole and in order; over the limit refused', () => {
    check(fc.tuple(fc.array(fc.uint8Array({ maxLength: 60 }), { maxLength: 5 }), fc.boolean(), fc.array(fc.nat(), { maxLength: 8 }), fc.integer({ min: 0, max: 80 })), ([msgs, end, cuts, limit]) => {
      const frames = msgs.map((m, i) => envelope(end && i === msgs.length - 1 ? EnvelopeFlags.endStream : 0, Buffer.from(m)));
      const chunks = chunked(Buffer.concat(frames), cuts);
      if (msgs.some((m) => m.length > limit)) {
        expect(() => readAll(chunks, limit)).toThrow(expect.objectContaining({ code: 'RESOURCE_EXHAUSTED' }));
        return;
      }
      expect(readAll(chunks, limit).map((f) => Buffer.from(f.payload))).toEqual(msgs.map((m) => Buffer.from(m)));
    });
  });

  test('random bytes in random chunks: envelopes or a MeshError, never a crash', () => {
    check(fc.tuple(fc.uint8Array({ maxLength: 80 }), fc.array(fc.nat(), { maxLength: 6 })), ([bytes, cuts]) => {
      try {
        readAll(chunked(Buffer.from(bytes), cuts), 32);
      } catch (err) {
        expectRefusal(err, ['INVALID_ARGUMENT', 'RESOURCE_EXHAUSTED', 'UNIMPLEMENTED']);
      }
    });
  });
});
