import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { idlPushArgs } from '../helpers/idl-files';
import { startControlPlane } from '../helpers/mesh';
import { startReflectionServer } from '../helpers/grpc-reflection-server';
import { freePort, Proc, repoRoot, runCli, startNats } from '../helpers/processes';

jest.setTimeout(60000);

/**
 * `idl push --reflect HOST:PORT`: the .proto files come from a running server's reflection
 * service and go through the same checks as files. Here a grpc-js server that has only the
 * v1alpha service (so the CLI falls back from v1); tests/e2e/examples-java-reflect.test.ts
 * does the same against the grpc-java example.
 */
describe('idl push --reflect against a grpc-js server', () => {
  let nats: Awaited<ReturnType<typeof startNats>>;
  let cp: Proc;
  const svc = 'acme.users.v1.UserService';
  const cli = (...args: string[]) => runCli([...args, '--nats', nats.url]);
  const idl = join(repoRoot, 'idl');
  const files = {
    'acme/users/v1/users.proto': readFileSync(join(idl, 'acme/users/v1/users.proto'), 'utf8'),
    'acme/common/v1/money.proto': readFileSync(join(idl, 'acme/common/v1/money.proto'), 'utf8'),
  };

  beforeAll(async () => {
    nats = await startNats();
    cp = await startControlPlane(nats.url);
  });

  afterAll(async () => {
    await cp?.stop();
    await nats?.stop();
  });

  test('the reflected files equal the ones on disk: pushed after them, nothing changes', async () => {
    const fromDisk = await cli('idl', 'push', ...idlPushArgs(files, 'acme/users/v1/users.proto'));
    expect(fromDisk.code).toBe(0);
    const server = await startReflectionServer(files);
    try {
      const res = await cli('idl', 'push', '--reflect', `127.0.0.1:${server.port}`);
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      expect(res.stdout).toMatch(new RegExp(`^version \\d+\\n  ${svc} \\(grpc\\)$`));
      const diff = JSON.parse((await cli('idl', 'diff', svc, '--json')).stdout);
      expect(diff.changes).toEqual([]);
      const show = JSON.parse((await cli('idl', 'show', svc, '--json')).stdout);
      expect(show.methods.map((m: { name: string }) => m.name)).toEqual(['GetUser', 'CreateUser', 'ListUsers']);
    } finally {
      await server.stop();
    }
  });

  test('a breaking change read by reflection is refused like one from files; --service picks the services', async () => {
    const changed = { ...files, 'acme/users/v1/users.proto': files['acme/users/v1/users.proto'].replace('  int64 id = 1;\n  string email = 2;', '  string id = 1;\n  string email = 2;') };
    const server = await startReflectionServer(changed);
    try {
      const res = await cli('idl', 'push', '--reflect', `127.0.0.1:${server.port}`, '--service', svc);
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/^acme\/users\/v1\/users\.proto:\d+:\d+: FIELD_WIRE_JSON_COMPATIBLE_TYPE: field "id" \(1\) of message acme\.users\.v1\.User changed type from int64 to string$/m);
      const unknown = await cli('idl', 'push', '--reflect', `127.0.0.1:${server.port}`, '--service', 'no.Such');
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/no\.Such/);
    } finally {
      await server.stop();
    }
  });

  test('nothing listening is a one-line error', async () => {
    const port = await freePort();
    const res = await cli('idl', 'push', '--reflect', `127.0.0.1:${port}`);
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(`transmesh: 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`);
  });
});
