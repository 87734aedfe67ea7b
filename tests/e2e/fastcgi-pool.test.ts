import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FcgiClient } from '../../adapters/http/fastcgi-client';
import { freePort, Proc } from '../../src/dev/processes';
import { CancelToken } from '../../src/timing/cancel-token';
import { startPhpFpm } from '../helpers/php-fpm';

/**
 * The FastCGI pool against a real PHP-FPM with fewer workers than calls in flight: PHP-FPM gives
 * a worker to a kept-open connection until it closes, so a pool that kept every finished
 * connection would leave the calls on its newer connections in the listen backlog, behind
 * workers held by its own idle connections, until their deadline.
 */
describe('FastCGI pool over PHP-FPM with 2 workers', () => {
  let fpm: Proc;
  let dir: string;
  let port: number;
  let script: string;
  let fast: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'transmesh-fcgi-pool-'));
    script = join(dir, 'slow.php');
    // Slow enough that the calls of a wave are in flight together.
    writeFileSync(script, '<?php usleep(100000); echo "served by ", getmypid();\n');
    fast = join(dir, 'fast.php');
    writeFileSync(fast, '<?php echo "served by ", getmypid();\n');
    port = await freePort();
    fpm = await startPhpFpm(`127.0.0.1:${port}`, undefined, 2);
  });

  afterAll(async () => {
    await fpm?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = (client: FcgiClient, deadlineMs: number, file = script) =>
    client.request({
      params: { SCRIPT_FILENAME: file, REQUEST_METHOD: 'POST', CONTENT_LENGTH: '0', GATEWAY_INTERFACE: 'CGI/1.1', SERVER_PROTOCOL: 'HTTP/1.1' },
      stdin: Buffer.alloc(0),
      deadline: Date.now() + deadlineMs,
      cancel: new CancelToken(),
    });

  test('waves of 6 calls on 2 workers are all served, none waits out its deadline', async () => {
    const client = new FcgiClient({ host: '127.0.0.1', port }, { maxConnections: 64, idleTimeoutMs: 300_000, maxBytes: 1 << 20 });
    try {
      for (let wave = 0; wave < 3; wave++) {
        // 6 calls of 100 ms on 2 workers take ~300 ms; the deadline is 20x that.
        const results = await Promise.allSettled(Array.from({ length: 6 }, () => call(client, 6000)));
        const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => String(r.reason));
        expect(failed).toEqual([]);
        for (const r of results) expect((r as PromiseFulfilledResult<Buffer>).value.toString()).toMatch(/served by \d+/);
      }
    } finally {
      client.close();
    }
  });

  test('a steady load within the workers keeps its connections: 2 calls at a time, 50 times, open 2', async () => {
    const client = new FcgiClient({ host: '127.0.0.1', port }, { maxConnections: 64, idleTimeoutMs: 300_000, maxBytes: 1 << 20 });
    try {
      for (let round = 0; round < 50; round++) {
        const results = await Promise.all([call(client, 6000, fast), call(client, 6000, fast)]);
        for (const r of results) expect(r.toString()).toMatch(/served by \d+/);
      }
      expect(client.connectionsOpened).toBe(2);
    } finally {
      client.close();
    }
  });

  test('a call waiting for a connection beyond maxConnections ends at its deadline, not later', async () => {
    const client = new FcgiClient({ host: '127.0.0.1', port }, { maxConnections: 1, idleTimeoutMs: 300_000, maxBytes: 1 << 20 });
    try {
      let firstDone = false;
      const first = call(client, 5000).finally(() => (firstDone = true));
      // The second waits for the one connection; its deadline (50 ms) comes before the first (100 ms) ends.
      await expect(call(client, 50)).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED', message: expect.stringContaining('waiting for a FastCGI connection') });
      expect(firstDone).toBe(false);
      await expect(first).resolves.toBeInstanceOf(Buffer);
    } finally {
      client.close();
    }
  });
});
