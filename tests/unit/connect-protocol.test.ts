import pino from 'pino';
import { defaultLimits } from '../../src/config/sidecar-config';
import { HttpListener } from '../../src/sidecar/outbound/http-listener';
import type { CallHandler, OutboundCall } from '../../src/sidecar/outbound/call';
import { MeshError } from '../../src/errors/mesh-error';
import { Code, CodeName } from '../../src/errors/codes';
import { connectCodeOf, connectDetails, connectGetRefused, connectHttpStatusOf, unknownProcedure } from '../../src/sidecar/outbound/connect-error';
import { lenField, varintField } from '../../src/sidecar/outbound/grpc-wire';
import { EnvelopeReader } from '../../src/sidecar/outbound/connect-envelope';

/**
 * The Connect protocol on the app listener (connectrpc.com/docs/protocol): a request with
 * `connect-protocol-version: 1` is read and answered in Connect's shapes; one without keeps the
 * mesh's envelope. The handler stands in for the outbound stack, which is not under test here.
 */

const log = pino({ level: 'silent' });
const open: HttpListener[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((l) => l.close()));
});

async function start(handler: CallHandler): Promise<{ url: string; calls: OutboundCall[] }> {
  const calls: OutboundCall[] = [];
  const listener = new HttpListener((c) => (calls.push(c), handler(c)), 'app', log, defaultLimits);
  open.push(listener);
  return { url: await listener.listen('127.0.0.1', 0), calls };
}

const json = async (r: Response): Promise<any> => r.json();

const connectHeaders = { 'content-type': 'application/json', 'connect-protocol-version': '1' };

/** Connect's table (connectrpc.com/docs/protocol#error-codes), written out as the spec has it. */
const connectSpec: Record<string, [string, number]> = {
  CANCELLED: ['canceled', 499], UNKNOWN: ['unknown', 500], INVALID_ARGUMENT: ['invalid_argument', 400],
  DEADLINE_EXCEEDED: ['deadline_exceeded', 504], NOT_FOUND: ['not_found', 404], ALREADY_EXISTS: ['already_exists', 409],
  PERMISSION_DENIED: ['permission_denied', 403], RESOURCE_EXHAUSTED: ['resource_exhausted', 429],
  FAILED_PRECONDITION: ['failed_precondition', 400], ABORTED: ['aborted', 409], OUT_OF_RANGE: ['out_of_range', 400],
  UNIMPLEMENTED: ['unimplemented', 501], INTERNAL: ['internal', 500], UNAVAILABLE: ['unavailable', 503],
  DATA_LOSS: ['data_loss', 500], UNAUTHENTICATED: ['unauthenticated', 401],
};

/** A google.rpc.Status with one google.rpc.ErrorInfo detail, as a provider sends it in grpc-status-details-bin. */
function statusWithDetail(): { bin: string; value: Buffer } {
  const value = Buffer.concat([lenField(1, 'STOCK_OUT'), lenField(2, 'shop.example')]);
  const any = Buffer.concat([lenField(1, 'type.googleapis.com/google.rpc.ErrorInfo'), lenField(2, value)]);
  return { bin: Buffer.concat([varintField(1, 5), lenField(2, 'gone'), lenField(3, any)]).toString('base64'), value };
}

describe('MeshError to Connect', () => {
  it('maps every code as Connect spells it, with Connect\'s HTTP status', () => {
    for (const name of Object.keys(Code) as CodeName[]) {
      if (name === 'OK') continue;
      expect([connectCodeOf(name), connectHttpStatusOf(name)]).toEqual(connectSpec[name]);
    }
  });

  it('writes the details from the provider\'s bytes: type without its URL prefix, unpadded base64, the JSON as debug', () => {
    const { bin, value } = statusWithDetail();
    const debug = { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'STOCK_OUT', domain: 'shop.example' };
    const err = new MeshError('NOT_FOUND', 'gone', { detailsBin: bin, details: [debug] });
    expect(connectDetails(err)).toEqual([{ type: 'google.rpc.ErrorInfo', value: value.toString('base64').replace(/=+$/, ''), debug }]);
  });

  it('leaves out details that do not decode, and writes none without bytes', () => {
    expect(connectDetails(new MeshError('NOT_FOUND', 'x', { details: [{ '@type': 'a.B' }] }))).toEqual([]);
    expect(connectDetails(new MeshError('NOT_FOUND', 'x', { detailsBin: Buffer.from([0x1a, 0x05, 0x0a]).toString('base64') }))).toEqual([]);
  });
});

describe('a Connect caller on --listen', () => {
  it('gets the answer with the provider\'s metadata as plain headers; its own headers are the metadata and connect-timeout-ms the deadline', async () => {
    const { url, calls } = await start(async () => ({ json: '{"id":"42"}', metadata: { 'x-shard': 'b' } }));
    const res = await fetch(`${url}/shop.Items/Get`, { method: 'POST', headers: { ...connectHeaders, 'connect-timeout-ms': '1500', 'x-tenant': 'acme', 'accept-encoding': 'gzip' }, body: '{"id":"42"}' });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ id: '42' });
    expect(res.headers.get('x-shard')).toBe('b');
    expect(res.headers.get('grpc-metadata-x-shard')).toBeNull();
    expect(calls[0].timeoutHeader).toBe('1500');
    expect(calls[0].metadata['x-tenant']).toBe('acme');
    for (const k of Object.keys(calls[0].metadata)) expect(k).not.toMatch(/^(connect-|content-|accept$|accept-encoding|host|connection)/);
  });

  it('gets a failure as Connect\'s error body, with the provider\'s metadata as headers', async () => {
    const { bin } = statusWithDetail();
    const { url } = await start(async () => {
      throw new MeshError('NOT_FOUND', 'no item 42', { detailsBin: bin, metadata: { 'x-shard': 'b' } });
    });
    const res = await fetch(`${url}/shop.Items/Get`, { method: 'POST', headers: connectHeaders, body: '{}' });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('x-shard')).toBe('b');
    const body = await json(res);
    expect(body).toMatchObject({ code: 'not_found', message: 'no item 42', details: [{ type: 'google.rpc.ErrorInfo' }] });
    expect(body.error).toBeUndefined();
  });

  it('refuses a bad connect-timeout-ms, another protocol version, another codec and compression, in Connect\'s shape', async () => {
    const { url, calls } = await start(async () => ({ json: '{}', metadata: {} }));
    const cases: Array<[Record<string, string>, number, string, RegExp]> = [
      [{ 'connect-timeout-ms': '12345678901' }, 400, 'invalid_argument', /connect-timeout-ms/],
      [{ 'connect-timeout-ms': '-1' }, 400, 'invalid_argument', /connect-timeout-ms/],
      [{ 'connect-protocol-version': '2' }, 400, 'invalid_argument', /connect-protocol-version/],
      [{ 'content-type': 'application/proto' }, 501, 'unimplemented', /JSON codec/],
      [{ 'content-encoding': 'gzip' }, 501, 'unimplemented', /uncompressed/],
    ];
    for (const [headers, status, code, message] of cases) {
      const res = await fetch(`${url}/shop.Items/Get`, { method: 'POST', headers: { ...connectHeaders, ...headers }, body: '{}' });
      expect(res.status).toBe(status);
      const body = await json(res);
      expect(body.code).toBe(code);
      expect(body.message).toMatch(message);
    }
    expect(calls).toHaveLength(0);
  });

  it('answers a streaming request with 200 and an end-stream message carrying UNIMPLEMENTED', async () => {
    const { url, calls } = await start(async () => ({ json: '{}', metadata: {} }));
    const res = await fetch(`${url}/shop.Items/Watch`, { method: 'POST', headers: { 'content-type': 'application/connect+json', 'connect-protocol-version': '1' }, body: Buffer.from([0, 0, 0, 0, 2, 0x7b, 0x7d]) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/connect+json');
    const frames = new EnvelopeReader(1 << 20).push(Buffer.from(await res.arrayBuffer()));
    expect(frames).toHaveLength(1);
    expect(frames[0].flags).toBe(2);
    expect(JSON.parse(frames[0].payload.toString())).toMatchObject({ error: { code: 'unimplemented', message: expect.stringMatching(/streaming/) } });
    expect(calls).toHaveLength(0);
  });

  it('takes a GET with the message in the query, plain or base64, and marks the call GET-only', async () => {
    const { url, calls } = await start(async (c) => ({ json: c.body, metadata: {} }));
    const msg = '{"id":"42"}';
    const plain = await fetch(`${url}/shop.Items/Get?connect=v1&encoding=json&message=${encodeURIComponent(msg)}`);
    expect(plain.status).toBe(200);
    expect(await json(plain)).toEqual({ id: '42' });
    const b64 = await fetch(`${url}/shop.Items/Get?connect=v1&encoding=json&base64=1&message=${Buffer.from(msg).toString('base64url')}`);
    expect(await json(b64)).toEqual({ id: '42' });
    expect(calls.map((c) => [c.service, c.method, c.noSideEffectsOnly])).toEqual([['shop.Items', 'Get', true], ['shop.Items', 'Get', true]]);
  });

  it('refuses a GET with compression, another encoding, or no message, clearly', async () => {
    const { url, calls } = await start(async () => ({ json: '{}', metadata: {} }));
    const cases: Array<[string, number, RegExp]> = [
      ['connect=v1&encoding=json&compression=gzip&message=%7B%7D', 501, /compression=gzip/],
      ['connect=v1&encoding=proto&message=%7B%7D', 501, /encoding=proto/],
      ['connect=v1&encoding=json', 400, /message=/],
    ];
    for (const [query, status, message] of cases) {
      const res = await fetch(`${url}/shop.Items/Get?${query}`);
      expect(res.status).toBe(status);
      expect((await json(res)).message).toMatch(message);
    }
    expect(calls).toHaveLength(0);
  });

  it('answers a GET of a method with side effects 405 with Allow: POST', async () => {
    const { url } = await start(async (c) => {
      throw connectGetRefused(c.service, c.method);
    });
    const res = await fetch(`${url}/shop.Items/Put?connect=v1&encoding=json&message=%7B%7D`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(await json(res)).toMatchObject({ code: 'unimplemented', message: expect.stringMatching(/NO_SIDE_EFFECTS/) });
  });

  it('is told an unknown service or method is unimplemented, as Connect servers answer; other callers keep NOT_FOUND', async () => {
    const { url } = await start(async () => {
      throw unknownProcedure('NOT_FOUND', 'unknown service "no.Such"');
    });
    const connect = await fetch(`${url}/no.Such/Get`, { method: 'POST', headers: connectHeaders, body: '{}' });
    expect(connect.status).toBe(501);
    expect(await json(connect)).toEqual({ code: 'unimplemented', message: 'unknown service "no.Such"' });
    const mesh = await fetch(`${url}/no.Such/Get`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(mesh.status).toBe(404);
    expect((await json(mesh)).error.code).toBe('NOT_FOUND');
  });

  it('leaves a request without the header in the mesh\'s envelope', async () => {
    const { url } = await start(async () => {
      throw new MeshError('NOT_FOUND', 'no item 42', { metadata: { 'x-shard': 'b' } });
    });
    const res = await fetch(`${url}/shop.Items/Get`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(404);
    expect(res.headers.get('grpc-metadata-x-shard')).toBe('b');
    expect(await json(res)).toMatchObject({ error: { code: 'NOT_FOUND', message: 'no item 42' } });
    const get = await fetch(`${url}/shop.Items/Get?encoding=json&message=%7B%7D`);
    expect(get.status).toBe(501);
    expect((await json(get)).error.code).toBe('UNIMPLEMENTED');
  });
});
