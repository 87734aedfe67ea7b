import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, repoRoot, spawnCli } from '../helpers/processes';

jest.setTimeout(180000);

const jar = join(repoRoot, 'examples-java', 'target', 'transmesh-examples.jar');
const skip = process.env.TRANSMESH_SKIP_EXAMPLES === '1';

/**
 * The mission end to end: the real PHP client calls the real Java gRPC and Thrift providers
 * through a consumer sidecar and their provider sidecars (`transmesh dev --examples --once`,
 * the same flow as `npm run demo`). The PHP client checks every answer, the error envelope and
 * the exact 64-bit ids itself, and exits non-zero on the first surprise.
 */
(skip ? describe.skip : describe)('PHP → sidecar → sidecar → Java', () => {
  test('the PHP client gets every expected answer from both Java services', async () => {
    expect(existsSync(jar)).toBe(true); // npm test builds it; see scripts/test.sh
    const [natsPort, listenPort] = [await freePort(), await freePort()];
    const dev = spawnCli('dev --examples', ['dev', '--examples', '--once', '--quiet', '--nats', `nats://127.0.0.1:${natsPort}`, '--listen', `127.0.0.1:${listenPort}`, '--admin', '127.0.0.1:0', '--control-plane-admin', '127.0.0.1:0']);
    const code = await dev.exited;
    await new Promise((r) => setImmediate(r));
    const out = dev.stdout.join('\n');
    const summary = /php client: (\d+) passed, (\d+) failed/.exec(out);
    if (code !== 0 || !summary) throw new Error(`demo failed (exit ${code}):\n${out}\n${dev.lines.filter((l) => l.stream === 'stderr').slice(-20).map((l) => JSON.stringify(l)).join('\n')}`);
    expect(Number(summary[2])).toBe(0);
    expect(Number(summary[1])).toBeGreaterThan(50);
    expect(out).toContain('9223372036854775807');
    // The IDL history shows one forced push: a draft of users.proto, then the real one over it.
    expect(out).toMatch(/pushed IDL: version 1 acme\.users\.v1\.UserService \(grpc\)\n/);
    expect(out).toMatch(/pushed IDL: version 2 \(forced: 2 breaking changes stored with --allow-breaking\) .*FIELD_SAME_NAME: field 3 of message acme\.users\.v1\.User changed name from "name" to "display_name"/);
  });
});
