import fc from 'fast-check';
import { parseCgiResponse } from '../../adapters/http/cgi-response';
import { beginRequest, encodeParams, endRequestOf, FcgiRecord, FcgiRecordDecoder, FcgiType, streamRecords } from '../../adapters/http/fastcgi-records';
import { parseFastcgiUrl } from '../../adapters/http/fastcgi-url';
import { MeshError } from '../../src/errors/mesh-error';
import { check, chunked, corpus, expectRefusal, hex } from '../fuzz/fuzz-harness';

function decodeAll(chunks: Buffer[]): FcgiRecord[] {
  const d = new FcgiRecordDecoder();
  const out: FcgiRecord[] = [];
  for (const c of chunks) d.push(c, (r) => out.push({ ...r, content: Buffer.from(r.content) }));
  return out;
}

describe('FastCGI records', () => {
  test('BEGIN_REQUEST as a responder that keeps the connection', () => {
    expect(beginRequest(1, true).toString('hex')).toBe('0101000100080000' + '0001010000000000');
    expect(beginRequest(1, false)[10]).toBe(0);
  });

  test('name-value pairs: short lengths in one byte, long ones in four with the high bit', () => {
    expect(encodeParams({ A: 'xy' }).toString('hex')).toBe('0102' + '41' + '7879');
    const long = 'v'.repeat(200);
    const p = encodeParams({ N: long });
    expect(p.subarray(0, 5).toString('hex')).toBe('01' + '800000c8');
    expect(p.length).toBe(5 + 1 + 200);
  });

  test('a stream is split at 64 KiB, padded to 8 bytes, and ended by an empty record', () => {
    const content = Buffer.alloc(70_000, 7);
    const records = decodeAll([Buffer.concat(streamRecords(FcgiType.stdin, 1, content))]);
    expect(records.map((r) => r.content.length)).toEqual([65535, 70_000 - 65535, 0]);
    expect(Buffer.concat(records.map((r) => r.content))).toEqual(content);
  });

  test('END_REQUEST content; a short one is refused', () => {
    expect(endRequestOf(hex('0000000203000000'))).toEqual({ appStatus: 2, protocolStatus: 3 });
    expect(() => endRequestOf(hex('00'))).toThrow(MeshError);
  });

  test.each(corpus('fastcgi'))('corpus: %s', (h) => {
    try {
      decodeAll([hex(h)]);
    } catch (err) {
      expectRefusal(err, ['UNAVAILABLE']);
    }
  });

  test('records in any chunking come back as written', () => {
    check(fc.tuple(fc.array(fc.tuple(fc.integer({ min: 1, max: 11 }), fc.uint8Array({ maxLength: 300 })), { maxLength: 5 }), fc.array(fc.nat(), { maxLength: 6 })), ([records, cuts]) => {
      const bytes = Buffer.concat(records.flatMap(([type, content]) => streamRecords(type, 1, Buffer.from(content)).slice(0, -1)));
      const got = decodeAll(chunked(bytes, cuts));
      expect(got.map((r) => [r.type, [...r.content]])).toEqual(records.filter(([, c]) => c.length > 0).map(([t, c]) => [t, [...c]]));
    });
  });

  test('random bytes in random chunks: records or a refusal, never a crash', () => {
    check(fc.tuple(fc.uint8Array({ maxLength: 100 }), fc.array(fc.nat(), { maxLength: 4 })), ([bytes, cuts]) => {
      try {
        decodeAll(chunked(Buffer.from(bytes), cuts));
      } catch (err) {
        expectRefusal(err, ['UNAVAILABLE']);
      }
    });
  });
});

describe('CGI responses', () => {
  test('Status sets the status, other headers lower-cased, CRLF or LF', () => {
    expect(parseCgiResponse(Buffer.from('Status: 404 Not Found\r\nContent-Type: application/json\r\nGRPC-Metadata-A: 1\r\n\r\n{"error":{}}'))).toEqual({
      status: 404,
      headers: { 'content-type': 'application/json', 'grpc-metadata-a': '1' },
      body: '{"error":{}}',
    });
    expect(parseCgiResponse(Buffer.from('X-A: b\n\n{}'))).toEqual({ status: 200, headers: { 'x-a': 'b' }, body: '{}' });
  });

  test.each(['no header block', 'Status: abc\r\n\r\n', ': x\r\n\r\n'])('%j is no response', (text) => {
    expect(() => parseCgiResponse(Buffer.from(text))).toThrow(MeshError);
  });

  test.each(corpus('cgi'))('corpus: %j', (text) => {
    try {
      parseCgiResponse(Buffer.from(text));
    } catch (err) {
      expectRefusal(err, ['UNAVAILABLE']);
    }
  });

  test('random output: a response or a refusal', () => {
    check(fc.string({ maxLength: 200 }), (text) => {
      try {
        const r = parseCgiResponse(Buffer.from(text));
        expect(r.status).toBeGreaterThanOrEqual(0);
      } catch (err) {
        expectRefusal(err, ['UNAVAILABLE']);
      }
    });
  });
});

describe('fastcgi:// provider URLs', () => {
  test('TCP and Unix sockets, the script, int64=number', () => {
    expect(parseFastcgiUrl('fastcgi://127.0.0.1:9000?script=/srv/app/mesh.php&int64=number')).toEqual({ target: { host: '127.0.0.1', port: 9000 }, script: '/srv/app/mesh.php', int64AsNumber: true });
    expect(parseFastcgiUrl('fastcgi+unix:///run/php/php8.2-fpm.sock?script=/srv/app/mesh.php')).toEqual({ target: { path: '/run/php/php8.2-fpm.sock' }, script: '/srv/app/mesh.php', int64AsNumber: false });
  });

  test.each([
    ['fastcgi://h:9000', /missing \?script/],
    ['fastcgi://h:9000?script=app.php', /absolute/],
    ['fastcgi://h?script=/a.php', /host:port/],
    ['fastcgi://h:1/x?script=/a.php', /path is not allowed/],
    ['fastcgi+unix://host/run/x.sock?script=/a.php', /three slashes/],
    ['fastcgi://h:1?script=/a.php&mode=x', /unknown option "mode"/],
  ])('%s is refused with the reason', (url, why) => {
    expect(() => parseFastcgiUrl(url)).toThrow(why);
  });
});
