import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, runCli } from '../helpers/processes';

jest.setTimeout(30000);

/**
 * The process-level handlers of the built CLI: an error that escapes every handler is logged
 * with its stack and the process exits 70 (a restart beats a sidecar in an unknown state);
 * an ordinary failure (NATS away) stays an ordinary exit 1.
 */
describe('process-level handlers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'transmesh-preload-'));

  test.each([
    ['unhandled rejection', 'process.nextTick(() => Promise.reject(new Error("boom-rejection")));', 'boom-rejection'],
    ['uncaught exception', 'process.nextTick(() => setImmediate(() => { throw new Error("boom-exception"); }));', 'boom-exception'],
  ])('%s: logged with its stack, exit 70', async (_name, code, marker) => {
    const preload = join(dir, `${marker}.js`);
    writeFileSync(preload, code);
    const port = await freePort();
    const res = await runCli(['sidecar', '--app', 'crash', '--nats', `nats://127.0.0.1:${port}`, '--listen', '127.0.0.1:0', '--inbound', '127.0.0.1:0', '--admin', '127.0.0.1:0'], {
      NODE_OPTIONS: `--require ${preload}`,
    });
    expect(res.code).toBe(70);
    expect(res.stderr).toContain(marker);
    expect(res.stderr).toMatch(/at .*\.js:\d+/);
  });

  test('an ordinary failure is not taken for a crash', async () => {
    const port = await freePort();
    const res = await runCli(['sidecar', '--app', 'calm', '--nats', `nats://127.0.0.1:${port}`, '--listen', '127.0.0.1:0', '--inbound', '127.0.0.1:0', '--admin', '127.0.0.1:0']);
    expect(res.code).toBe(1);
  });
});
