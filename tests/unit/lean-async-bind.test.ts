import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { installLeanAsyncBind, needsLeanAsyncBind } from '../../src/cli/lean-async-bind';

describe('lean AsyncResource.bind (the sidecar preload)', () => {
  const stock = AsyncResource.prototype.bind;
  beforeAll(() => {
    expect(installLeanAsyncBind({ TRANSMESH_LEAN_ASYNC_BIND: '0' })).toBe(false);
    expect(AsyncResource.prototype.bind).toBe(stock);
    // On a Node that made bind() cheap nothing is replaced, and the tests below check Node's own.
    expect(installLeanAsyncBind({})).toBe(needsLeanAsyncBind());
  });

  test('is installed only where Node builds bind() with the deprecated property (and not with TRANSMESH_LEAN_ASYNC_BIND=0)', () => {
    expect(needsLeanAsyncBind('20.20.2')).toBe(true);
    expect(needsLeanAsyncBind('22.12.0')).toBe(true);
    expect(needsLeanAsyncBind('24.21.0')).toBe(true);
    expect(needsLeanAsyncBind('25.0.0')).toBe(false);
    if (needsLeanAsyncBind()) expect(AsyncResource.prototype.bind).not.toBe(stock);
    expect(Object.keys(new AsyncResource('T').bind(() => 1))).toEqual([]);
  });

  test('a bound function runs in the resource scope with its this, arguments and length', () => {
    const als = new AsyncLocalStorage<string>();
    const bound = als.run('at-bind', () => new AsyncResource('T').bind(function (this: unknown, a: number, b: number) {
      return { store: als.getStore(), self: this, sum: a + b };
    }));
    expect(bound.length).toBe(2);
    const self = { me: 1 };
    expect(als.run('at-call', () => bound.call(self, 2, 3))).toEqual({ store: 'at-bind', self, sum: 5 });
    // Node's bind(fn, thisArg), which @types/node leaves out.
    const bindWithThis = AsyncResource.prototype.bind as unknown as (this: AsyncResource, fn: () => unknown, thisArg: unknown) => () => unknown;
    const withThis = bindWithThis.call(
      new AsyncResource('T'),
      function (this: unknown) {
        return this;
      },
      self,
    );
    expect(withThis()).toBe(self);
    expect(() => new AsyncResource('T').bind(42 as unknown as () => void)).toThrow(TypeError);
    expect(AsyncResource.bind((x: number) => x * 2)(21)).toBe(42);
  });

  test('the h2 client still makes requests, concurrent ones included, and keeps the caller async context', async () => {
    const server = http2.createServer();
    server.on('stream', (stream, headers) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        stream.respond({ ':status': 200, 'x-path': String(headers[':path']) });
        stream.end(Buffer.concat(chunks).toString().toUpperCase());
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const session = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const als = new AsyncLocalStorage<number>();
    try {
      const one = (i: number) =>
        als.run(i, () =>
          new Promise<{ status: number; path: string; body: string; store: number | undefined }>((resolve, reject) => {
            const req = session.request({ ':method': 'POST', ':path': `/s/m${i}` });
            let status = 0;
            let path = '';
            let body = '';
            req.on('response', (h) => ((status = Number(h[':status'])), (path = String(h['x-path']))));
            req.setEncoding('utf8');
            req.on('data', (c: string) => (body += c));
            req.on('end', () => resolve({ status, path, body, store: als.getStore() }));
            req.on('error', reject);
            req.end(`call ${i}`);
          }),
        );
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => one(i)));
      answers.forEach((a, i) => expect(a).toEqual({ status: 200, path: `/s/m${i}`, body: `CALL ${i}`, store: i }));
    } finally {
      session.close();
      await new Promise((r) => server.close(r));
    }
  });
});
