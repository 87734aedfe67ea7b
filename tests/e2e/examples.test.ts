import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, repoRoot, runCli, spawnCli } from '../helpers/processes';

jest.setTimeout(240000);

const jar = join(repoRoot, 'examples-java', 'target', 'transmesh-examples.jar');
const skip = process.env.TRANSMESH_SKIP_EXAMPLES === '1';

/**
 * The mission end to end, in every direction (`transmesh dev --examples --once`, the same flow as
 * `npm run demo`): the real PHP client calls the real Java gRPC and Thrift providers; the real
 * grpc-java and Apache Thrift Java clients call the PHP app of examples-php/catalog.php, served by
 * PHP's built-in server and by PHP-FPM; each through its own consumer sidecar and the provider's
 * sidecar, under the policy of examples-policy/ (routes, access, quotas) with traces exported.
 * Each client checks every answer itself and exits non-zero on the first surprise; the demo
 * prints one line per direction.
 */
(skip ? describe.skip : describe)('PHP ⇄ sidecar ⇄ sidecar ⇄ Java', () => {
  test('every direction gets every expected answer', async () => {
    expect(existsSync(jar)).toBe(true); // npm test builds it; see scripts/test.sh
    // Native Thrift callers need the sidecar's --thrift-listen; a build without it says so instead.
    const thriftListen = (await runCli(['sidecar', '--help'])).stdout.includes('--thrift-listen');
    const [natsPort, listenPort] = [await freePort(), await freePort()];
    const dev = spawnCli('dev --examples', ['dev', '--examples', '--once', '--quiet', '--nats', `nats://127.0.0.1:${natsPort}`, '--listen', `127.0.0.1:${listenPort}`, '--admin', '127.0.0.1:0', '--control-plane-admin', '127.0.0.1:0']);
    const code = await dev.exited;
    await new Promise((r) => setImmediate(r));
    const out = dev.stdout.join('\n');
    const why = () => `demo exit ${code}:\n${out}\n${dev.lines.filter((l) => l.stream === 'stderr').slice(-20).map((l) => JSON.stringify(l)).join('\n')}`;
    const line = (name: string) => dev.stdout.find((l) => l.startsWith('transmesh dev:   ') && l.includes(name)) ?? `(no line for ${name}) ${why()}`;

    expect(line('PHP → Java gRPC (users) and Java Thrift (orders)')).toMatch(/ ok +PHP → Java .*php client: \d+ passed, 0 failed$/);
    expect(Number(/php client: (\d+) passed, 0 failed/.exec(out)?.[1])).toBeGreaterThan(50);
    expect(line('Java gRPC → PHP (php -S)')).toMatch(/ ok .*java grpc client: 8 passed, 0 failed$/);
    expect(line('Java gRPC → PHP (php-fpm)')).toMatch(/ ok .*: 7 passed, 0 failed$/);
    expect(line('traces and access log: acme.catalog.v1.CatalogService')).toMatch(/ ok .*trace [0-9a-f]{32}: java-app → \w+ OK.*spans from catalog-php and java-app$/);
    expect(line('access: PHP app → PHP catalog')).toMatch(/ ok .*403 PERMISSION_DENIED/);
    if (thriftListen) {
      expect(line('Java Thrift → PHP (php-fpm)')).toMatch(/ ok .*java thrift client: 6 passed, 0 failed$/);
      expect(line('traces and access log: inventory.InventoryService')).toMatch(/ ok /);
      expect(code).toBe(0);
    } else {
      expect(line('Java Thrift → PHP (php-fpm)')).toMatch(/ FAILED +Java Thrift → PHP \(php-fpm\) +not run: this build of the sidecar has no --thrift-listen$/);
      expect(out).toContain('transmesh dev: 1 of 6 failed');
      expect(code).toBe(1);
    }
    // What came back, as the clients print it: exact 64-bit ids both ways, the quota's refusal.
    expect(out).toContain('9223372036854775807');
    expect(out).toMatch(/java grpc client: GetItem\(id=9223372036854775807\) -> id: 9223372036854775807 .*price_minor: 9223372036854775807 .*served_by: "cli-server"/);
    expect(out).toMatch(/java grpc client: ListItems\(\) x\d+ -> \d answered with 3 items, then RESOURCE_EXHAUSTED \(grpc-retry-pushback-ms: \d+\)/);
    // The IDL history shows one forced push: a draft of users.proto, then the real one over it.
    expect(out).toMatch(/pushed IDL: version 1 acme\.users\.v1\.UserService \(grpc\)\n/);
    expect(out).toMatch(/pushed IDL: version 2 \(forced: 2 breaking changes stored with --allow-breaking\) .*FIELD_SAME_NAME: field 3 of message acme\.users\.v1\.User changed name from "name" to "display_name"/);
  });
});
