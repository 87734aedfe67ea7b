import fc from 'fast-check';
import { MeshError } from '../../src/errors/mesh-error';
import { decodeMessage, encodeFrame, encodeGoaway, encodeMessageFrame, FrameDecoder, FrameType, frameHeaderBytes, maxHeaderCount } from '../../src/sidecar/peer/mux-frame';
import { check, chunked, expectRefusal, outcome } from '../fuzz/fuzz-harness';

/**
 * The peer hop's mux framing (docs/architecture.md): frames round-trip in any chunking, the
 * decoder holds no more than one frame within its limit, and random bytes never crash it.
 */

interface Seen {
  type: number;
  id: number;
  payload?: Buffer;
  oversize?: number;
}

/** Feeds the chunks; records the frames and how much the decoder ever held. */
function decodeAll(chunks: Buffer[], limit: number): { frames: Seen[]; maxHeld: number } {
  const frames: Seen[] = [];
  const d = new FrameDecoder(limit, {
    frame: (type, id, payload) => frames.push({ type, id, payload: Buffer.from(payload) }),
    oversize: (type, id, length) => frames.push({ type, id, oversize: length }),
  });
  let maxHeld = 0;
  for (const c of chunks) {
    d.push(c);
    maxHeld = Math.max(maxHeld, (d as unknown as { buffered: number }).buffered);
  }
  return { frames, maxHeld };
}

const headerRecord = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 12 }).filter((k) => k !== '__proto__'),
  fc.string({ maxLength: 40 }),
  { maxKeys: 8 },
);

describe('mux frames', () => {
  test('REQUEST and RESPONSE frames round-trip headers and the gRPC-framed message, in any chunking', () => {
    check(
      fc.tuple(fc.array(fc.tuple(fc.constantFrom(FrameType.request, FrameType.response), fc.integer({ min: 1, max: 2 ** 32 - 1 }), headerRecord, fc.uint8Array({ maxLength: 200 })), { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 8 })),
      ([frames, cuts]) => {
        const wire = Buffer.concat(frames.map(([type, id, headers, msg]) => encodeMessageFrame(type, id, headers, msg, false)));
        const { frames: got } = decodeAll(chunked(wire, cuts), 64 * 1024);
        expect(got).toHaveLength(frames.length);
        got.forEach((g, i) => {
          const [type, id, headers, msg] = frames[i];
          expect([g.type, g.id]).toEqual([type, id]);
          const { headers: h, body } = decodeMessage(g.payload!);
          expect({ ...h }).toEqual(headers);
          expect(body.readUInt32BE(1)).toBe(msg.length);
          expect(Buffer.from(body.subarray(5))).toEqual(Buffer.from(msg));
        });
      },
    );
  });

  test('an already framed message is passed through untouched', () => {
    const framed = Buffer.from([0, 0, 0, 0, 3, 1, 2, 3]);
    const d = decodeAll([encodeMessageFrame(FrameType.response, 7, { 'grpc-status': '0' }, framed, true)], 1024);
    expect(decodeMessage(d.frames[0].payload!).body).toEqual(framed);
  });

  test('PING, CANCEL, REFUSED and GOAWAY carry their fixed payloads', () => {
    const wire = Buffer.concat([encodeFrame(FrameType.ping, 0, Buffer.from('12345678')), encodeFrame(FrameType.cancel, 5), encodeFrame(FrameType.refused, 9), encodeGoaway(41)]);
    const { frames } = decodeAll([wire], 1024);
    expect(frames.map((f) => [f.type, f.id, f.payload!.toString('hex')])).toEqual([
      [FrameType.ping, 0, Buffer.from('12345678').toString('hex')],
      [FrameType.cancel, 5, ''],
      [FrameType.refused, 9, ''],
      [FrameType.goaway, 0, '00000029'],
    ]);
  });

  test('a frame over the limit is reported from its header and skipped as it arrives, never held; the next frame still decodes', () => {
    check(fc.tuple(fc.integer({ min: 65, max: 5000 }), fc.array(fc.nat(), { maxLength: 10 })), ([size, cuts]) => {
      const big = encodeFrame(FrameType.request, 3, Buffer.alloc(size, 7));
      const wire = Buffer.concat([big, encodeFrame(FrameType.cancel, 5)]);
      const { frames, maxHeld } = decodeAll(chunked(wire, cuts), 64);
      expect(frames).toEqual([
        { type: FrameType.request, id: 3, oversize: size },
        { type: FrameType.cancel, id: 5, payload: Buffer.alloc(0) },
      ]);
      // Only a header's worth (and what came with it) is ever held for an oversized frame.
      expect(maxHeld).toBeLessThan(frameHeaderBytes + 1);
    });
  });

  test('random bytes in random chunks: never a crash, never more held than one frame within the limit plus a chunk', () => {
    check(fc.tuple(fc.uint8Array({ maxLength: 400 }), fc.array(fc.nat(), { maxLength: 8 }), fc.integer({ min: 0, max: 300 })), ([bytes, cuts, limit]) => {
      const chunks = chunked(Buffer.from(bytes), cuts);
      const { frames, maxHeld } = decodeAll(chunks, limit);
      expect(maxHeld).toBeLessThanOrEqual(frameHeaderBytes + limit + Math.max(0, ...chunks.map((c) => c.length)));
      for (const f of frames) if (f.payload) outcome(() => decodeMessage(f.payload!), ['INTERNAL']);
    });
  });

  test('random header blocks decode or are refused INTERNAL, never read past the payload', () => {
    check(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const r = outcome(() => decodeMessage(Buffer.from(bytes)), ['INTERNAL']);
      if (r) expect(r.body.length).toBeLessThanOrEqual(bytes.length);
    });
  });

  test('a header block over its caps is refused', () => {
    const tooMany = Buffer.alloc(2);
    tooMany.writeUInt16BE(maxHeaderCount + 1);
    expect(() => decodeMessage(tooMany)).toThrow(MeshError);
    const lying = Buffer.from([0, 1, 0, 1, 0x61, 0xff, 0xff, 0xff, 0xff]);
    try {
      decodeMessage(lying);
      throw new Error('not refused');
    } catch (err) {
      expectRefusal(err, ['INTERNAL']);
    }
    expect(() => encodeMessageFrame(FrameType.request, 1, { big: 'x'.repeat(70_000) }, new Uint8Array(0), false)).toThrow(/limit/);
  });
});
