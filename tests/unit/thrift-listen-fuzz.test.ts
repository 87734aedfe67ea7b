import fc from 'fast-check';
import { ThriftCallerConnection } from '../../adapters/thrift/listen/caller-connection';
import { writeMessage } from '../../adapters/thrift/listen/caller-message';
import { detectWire, notThrift, type ThriftWire } from '../../adapters/thrift/listen/wire-detect';
import { MessageType } from '../../adapters/thrift/transport/envelope';
import { ThriftHeaders } from '../../adapters/thrift/thrift-model';
import { MeshError } from '../../src/errors/mesh-error';
import type { CallerMessage } from '../../src/protocol/native-callers';
import { check, chunked, corpus, expectRefusal, hex, outcome } from '../fuzz/fuzz-harness';
import { shopService, thriftMethod } from '../helpers/thrift-fixtures';

/**
 * What a native Thrift caller may send, random: the first-bytes detector and the connection
 * reader (frames, envelopes, names) in random chunks. Never a crash or a hang: messages, or a
 * MeshError that closes the connection; whatever a message carries converts or is refused.
 */

const refusals = ['INVALID_ARGUMENT', 'RESOURCE_EXHAUSTED'] as const;

/** Every message read from `chunks`, each converted and answered every way; a refusal stops the connection. */
function readAll(chunks: Buffer[], max = 1 << 16): CallerMessage[] | MeshError {
  const r = new ThriftCallerConnection({ service: undefined, maxMessageBytes: max });
  const out: CallerMessage[] = [];
  try {
    for (const c of chunks) out.push(...r.push(c));
    if (r.deferred) out.push(...r.flush());
  } catch (err) {
    expectRefusal(err, refusals);
    return err as MeshError;
  }
  for (const m of out) {
    for (const enc of ['binary', 'compact']) outcome(() => m.payloadFor(enc), ['INVALID_ARGUMENT']);
    expect(m.error(new MeshError('UNAVAILABLE', 'x')).length).toBeGreaterThan(0);
  }
  return out;
}

const wires: ThriftWire[] = [
  { transport: 'framed', protocol: 'binary' },
  { transport: 'framed', protocol: 'compact' },
  { transport: 'buffered', protocol: 'binary' },
  { transport: 'buffered', protocol: 'compact' },
];
const shop = shopService();
const echo = (wire: ThriftWire, text: string, seqid: number) => writeMessage(wire, 'shop.Catalog:echo', MessageType.CALL, seqid, thriftMethod(shop, 'echo').encodeArgs({ text }, wire.protocol));

describe('native Thrift callers fuzz', () => {
  test.each(corpus('thrift-callers'))('corpus: %s', (h) => {
    readAll([hex(h)]);
    const w = detectWire(hex(h));
    expect(w === undefined || w === notThrift || typeof w === 'object').toBe(true);
  });

  test('the detector decides once: more bytes never change a decision', () => {
    check(fc.uint8Array({ maxLength: 12 }), (bytes) => {
      const b = Buffer.from(bytes);
      const decided = [...Array(b.length + 1).keys()].map((n) => detectWire(b.subarray(0, n))).find((d) => d !== undefined);
      if (decided !== undefined) expect(detectWire(b)).toEqual(decided);
    });
  });

  test('random bytes in random chunks: messages or a refusal', () => {
    check(fc.tuple(fc.uint8Array({ maxLength: 80 }), fc.array(fc.nat(), { maxLength: 5 }), fc.constantFrom(...[[], [0x80, 0x01, 0, 1], [0x82, 0x21], [0, 0, 0, 20, 0x80, 0x01, 0, 1], [0, 0, 0, 9, 0x82, 0x81]])), ([bytes, cuts, prefix]) => {
      readAll(chunked(Buffer.concat([Buffer.from(prefix), Buffer.from(bytes)]), cuts), 64);
    });
  });

  test('pipelined calls in any chunking read as they were written; one mutated byte is read or refused, never a crash', () => {
    check(fc.tuple(fc.constantFrom(...wires), fc.array(fc.string({ maxLength: 20 }), { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 6 }), fc.nat(), fc.integer({ min: 0, max: 255 })), ([wire, texts, cuts, at, byte]) => {
      const bytes = Buffer.concat(texts.map((t, i) => echo(wire, t, i)));
      const read = readAll(chunked(bytes, cuts));
      expect((read as CallerMessage[]).map((m) => [m.service, m.method])).toEqual(texts.map(() => ['shop.Catalog', 'echo']));
      const mutated = Buffer.from(bytes);
      mutated[at % mutated.length] = byte;
      readAll(chunked(mutated, cuts));
    });
  });

  test("any provider answer is the caller's bytes or a MeshError", () => {
    const [m] = readAll([echo(wires[1], 'x', 1)]) as CallerMessage[];
    check(fc.tuple(fc.uint8Array({ maxLength: 40 }), fc.boolean(), fc.constantFrom('binary', 'compact', undefined)), ([payload, exception, encoding]) => {
      const headers = exception ? { [ThriftHeaders.kind]: 'exception' } : {};
      try {
        expect(m.reply({ payload: Buffer.from(payload), headers, encoding }, shop.methods.get('echo')!).length).toBeGreaterThan(0);
      } catch (err) {
        if (!(err instanceof MeshError)) throw err;
      }
    });
  });
});
