import { join } from 'node:path';
import { freePort, repoRoot } from '../helpers/processes';
import { spawnProc, type Proc } from '../../src/dev/processes';

jest.setTimeout(30000);

const skip = process.env.TRANSMESH_SKIP_EXAMPLES === '1';

/**
 * examples-php/serve.php on its own, under PHP's built-in server: what a provider sidecar sends
 * and what it reads back (the mesh end of it is in examples.test.ts and http-provider.test.ts).
 */
(skip ? describe.skip : describe)('examples-php/serve.php', () => {
  let php: Proc;
  let url: string;
  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    php = spawnProc('php -S', 'php', ['-S', `127.0.0.1:${port}`, join(repoRoot, 'examples-php', 'catalog.php')]);
    await php.waitFor((_l, text) => text.includes('Development Server') && text.includes('started'), 'php -S to listen');
  });
  afterAll(() => php.stop());

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  test('a method of the class answers, 64-bit integers exact both ways, response metadata as headers', async () => {
    const res = await post('/acme.catalog.v1.CatalogService/GetItem', '{"id": 9223372036854775807}');
    expect(res.status).toBe(200);
    expect(res.headers.get('grpc-metadata-served-by')).toBe('cli-server');
    const raw = await res.text();
    expect(raw).toContain('"id":9223372036854775807,');
    expect(raw).toContain('"priceMinor":9223372036854775807,');
  });

  test('the call carries the caller the sidecar names', async () => {
    const res = await post('/acme.catalog.v1.CatalogService/ReserveItem', '{"id": 1, "quantity": 2}', { 'x-transmesh-caller': 'java-app' });
    expect(await res.json()).toEqual({ itemId: 1, quantity: 2, reservedFor: 'java-app', servedBy: 'cli-server' });
  });

  test('exceptions become the error envelope with the HTTP status of their code', async () => {
    const notFound = await post('/acme.catalog.v1.CatalogService/GetItem', '{"id": 5}');
    expect([notFound.status, await notFound.json()]).toEqual([404, { error: { code: 'NOT_FOUND', message: 'no item 5' } }]);
    const stray = await post('/acme.catalog.v1.CatalogService/GetItem', '{"id": 500}');
    expect([stray.status, await stray.json()]).toEqual([500, { error: { code: 'UNKNOWN', message: 'LogicException: the catalog database is gone' } }]);
  });

  test('a declared Thrift exception names its type and fields', async () => {
    const res = await post('/inventory.InventoryService/reserve', '{"itemId": 2, "quantity": 1}');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        code: 'FAILED_PRECONDITION',
        message: 'only 0 of item 2 in stock',
        thrift: { exception: 'inventory.OutOfStock', value: { message: 'only 0 of item 2 in stock', itemId: 2, available: 0 } },
      },
    });
  });

  test('a Thrift function may return a bare value', async () => {
    const res = await post('/inventory.InventoryService/totalUnits', '{}');
    expect([res.status, await res.text()]).toEqual([200, '13']);
  });

  test('what is not a mesh call is refused in the envelope', async () => {
    const unknown = await post('/acme.catalog.v1.CatalogService/DeleteItem', '{}');
    expect([unknown.status, ((await unknown.json()) as any).error.code]).toEqual([501, 'UNIMPLEMENTED']);
    const get = await fetch(`${url}/acme.catalog.v1.CatalogService/GetItem`);
    expect([get.status, ((await get.json()) as any).error.code]).toEqual([501, 'UNIMPLEMENTED']);
    const garbage = await post('/acme.catalog.v1.CatalogService/GetItem', '{"id": ');
    expect(garbage.status).toBe(400);
    expect(((await garbage.json()) as any).error).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('the request is not JSON') });
  });
});
