import type { IncomingMessage } from 'node:http';
import fc from 'fast-check';
import { readConnectRequest } from '../../src/sidecar/outbound/connect-request';
import { check, corpus, outcome } from '../fuzz/fuzz-harness';

/**
 * A Connect request's URL and headers, random: the GET form's query (message, base64, encoding,
 * compression) and the Connect headers. Never a crash: a call, or a MeshError saying what is wrong.
 */

const refusals = ['INVALID_ARGUMENT', 'UNIMPLEMENTED', 'RESOURCE_EXHAUSTED'] as const;

function request(method: string, headers: Record<string, string>): IncomingMessage {
  return { method, headers } as unknown as IncomingMessage;
}

describe('Connect request fuzz', () => {
  test.each(corpus('connect-requests'))('corpus: %s', (url) => {
    const call = outcome(() => readConnectRequest(request('GET', {}), url, 64), [...refusals]);
    if (call) expect(typeof call.body).toBe('string');
  });

  test('a GET message survives the trip through the query, plain or base64, and comes back as sent', () => {
    check(fc.tuple(fc.string({ maxLength: 40 }), fc.boolean()), ([msg, b64]) => {
      const enc = b64 ? `base64=1&message=${Buffer.from(msg).toString('base64url')}` : `message=${encodeURIComponent(msg)}`;
      const call = readConnectRequest(request('GET', {}), `/a.B/C?connect=v1&encoding=json&${enc}`, 1 << 20);
      expect(call).toMatchObject({ service: 'a.B', method: 'C', body: msg });
    });
  });

  test('random URLs and Connect headers: a call or a MeshError, never a crash', () => {
    const header = fc.constantFrom('connect-timeout-ms', 'connect-protocol-version', 'content-type', 'content-encoding', 'x-custom', 'grpc-x', 'accept');
    check(fc.tuple(fc.constantFrom('GET', 'POST', 'PUT'), fc.string({ maxLength: 60 }), fc.dictionary(header, fc.string({ maxLength: 20 }))), ([method, tail, headers]) => {
      outcome(() => readConnectRequest(request(method, headers), `/a.B/C?${tail}`, 32), [...refusals]);
      outcome(() => readConnectRequest(request(method, headers), tail, 32), [...refusals]);
    });
  });
});
