import { AddressInfo, createServer, Server, Socket } from 'node:net';
import fc from 'fast-check';
import { applicationExceptionToError } from '../../adapters/thrift/codec/application-exception';
import { MeshError } from '../../src/errors/mesh-error';
import { decodeGrpcMessage, frame, FrameCollector, parseGrpcTimeout, unframe } from '../../src/transport/grpc/grpc-frame';
import { ThriftUpstream } from '../../adapters/thrift/transport';
import { encodeEnvelope, MessageType } from '../../adapters/thrift/transport/envelope';
import { check, chunked, corpus, expectRefusal, fuzzSeed, hex, outcome } from '../fuzz/fuzz-harness';

/**
 * What comes off the wire, random: gRPC frames in random chunks, grpc-* header values, and
 * Thrift replies from a server that sends anything. Never a crash or a hang: a value or a MeshError.
 */

function collect(chunks: Buffer[], limit: number): Buffer | MeshError {
  const c = new FrameCollector(limit);
  for (const ch of chunks) {
    const refused = c.push(ch);
    if (refused) return refused;
  }
  try {
    return c.body();
  } catch (err) {
    expectRefusal(err, ['INTERNAL']);
    return err as MeshError;
  }
}

describe('gRPC frames fuzz', () => {
  test.each(corpus('frames'))('corpus: %s', (h) => {
    const r = collect([hex(h)], 1024);
    if (r instanceof Buffer) outcome(() => unframe([r]), ['INTERNAL']);
  });

  test('a framed message in any chunking comes back whole; over the limit it is refused from the header', () => {
    check(fc.tuple(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 6 }), fc.integer({ min: 0, max: 400 })), ([msg, cuts, limit]) => {
      const framed = frame(msg);
      const r = collect(chunked(framed, cuts), limit);
      if (msg.length > limit) expect(r).toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
      else expect(unframe([r as Buffer])).toEqual(Buffer.from(msg));
    });
  });

  test('random bytes in random chunks: a body or a refusal', () => {
    check(fc.tuple(fc.uint8Array({ maxLength: 64 }), fc.array(fc.nat(), { maxLength: 4 })), ([bytes, cuts]) => {
      const r = collect(chunked(Buffer.from(bytes), cuts), 1 << 20);
      if (r instanceof Buffer) outcome(() => unframe([r]), ['INTERNAL']);
    });
  });

  test('grpc-timeout and grpc-message of any text', () => {
    check(fc.string({ unit: 'binary', maxLength: 20 }), (s) => {
      const ms = parseGrpcTimeout(s);
      if (ms !== undefined) expect(ms).toBeGreaterThanOrEqual(0);
      expect(typeof decodeGrpcMessage(s)).toBe('string');
    });
  });
});

describe('Thrift replies fuzz: a server that answers anything', () => {
  let server: Server;
  let reply: Buffer[] = [];
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    server = createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
      // Answers the first bytes of a call with the reply of the run, in its chunks, then hangs up.
      s.once('data', () => {
        for (const c of reply) s.write(c);
        s.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  const configs = [
    ['framed', 'binary'],
    ['buffered', 'binary'],
    ['framed', 'compact'],
    ['buffered', 'compact'],
  ] as const;

  /** The call settles (never hangs past the server hanging up): a reply or a MeshError. */
  async function settles(transport: string, protocol: string, chunks: Buffer[]): Promise<void> {
    reply = chunks;
    const port = (server.address() as AddressInfo).port;
    const upstream = new ThriftUpstream(`thrift://127.0.0.1:${port}?transport=${transport}&protocol=${protocol}`, { maxMessageBytes: 4096 });
    try {
      const r = await upstream.call('m', false, Buffer.from([0]), Date.now() + 60_000);
      expect(['reply', 'exception']).toContain(r.kind);
      if (r.kind === 'exception') expect(applicationExceptionToError(r.body, protocol as 'binary')).toBeInstanceOf(MeshError);
    } catch (err) {
      expectRefusal(err, ['UNAVAILABLE', 'INTERNAL', 'RESOURCE_EXHAUSTED']);
    } finally {
      upstream.close();
    }
  }

  /** A plausible reply: the envelope of call 1 (sometimes) followed by random bytes. */
  function replies(protocol: 'binary' | 'compact', framed: boolean): fc.Arbitrary<Buffer> {
    const env = fc.constantFrom(MessageType.REPLY, MessageType.EXCEPTION, MessageType.CALL).map((t) => encodeEnvelope(protocol, 'm', t, 1));
    return fc.tuple(fc.option(env), fc.uint8Array({ maxLength: 48 })).map(([e, rest]) => {
      const body = Buffer.concat([e ?? Buffer.alloc(0), rest]);
      if (!framed) return body;
      const len = Buffer.alloc(4);
      len.writeUInt32BE(body.length, 0);
      return Buffer.concat([len, body]);
    });
  }

  test.each(configs)('%s %s: corpus', async (transport, protocol) => {
    for (const h of corpus('thrift-replies')) await settles(transport, protocol, [hex(h)]);
  });

  test.each(configs)('%s %s: random replies in random chunks', async (transport, protocol) => {
    await fc.assert(
      fc.asyncProperty(fc.tuple(replies(protocol, transport === 'framed'), fc.array(fc.nat(), { maxLength: 3 })), async ([bytes, cuts]) => {
        await settles(transport, protocol, chunked(bytes, cuts));
      }),
      { seed: fuzzSeed, numRuns: 60 },
    );
  });
});
