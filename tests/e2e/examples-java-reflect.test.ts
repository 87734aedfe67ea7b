import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { idlPushArgs } from '../helpers/idl-files';
import { startControlPlane } from '../helpers/mesh';
import { Proc, repoRoot, runCli, startNats } from '../helpers/processes';
import { spawnProc } from '../../src/dev/processes';

jest.setTimeout(90000);

const jar = join(repoRoot, 'examples-java', 'target', 'transmesh-examples.jar');
const skip = process.env.TRANSMESH_SKIP_EXAMPLES === '1';

/**
 * `idl push --reflect` and `idl diff` against the real grpc-java example with its
 * ProtoReflectionServiceV1 turned on (`users --reflection on`): the files it serves are those
 * it was built from, so after a push from disk the reflected push changes nothing.
 */
(skip ? describe.skip : describe)('idl push --reflect against the grpc-java example', () => {
  let nats: Awaited<ReturnType<typeof startNats>>;
  let cp: Proc;
  let java: Proc;
  let port: number;
  const svc = 'acme.users.v1.UserService';
  const cli = (...args: string[]) => runCli([...args, '--nats', nats.url]);

  beforeAll(async () => {
    expect(existsSync(jar)).toBe(true); // npm test builds it; see scripts/test.sh
    nats = await startNats();
    cp = await startControlPlane(nats.url);
    java = spawnProc('java users', 'java', ['-jar', jar, 'users', '--port', '0', '--host', '127.0.0.1', '--reflection', 'on']);
    const ready = await java.waitFor((l) => /^listening on \d+$/.test(l.msg), 'the Java server listening');
    port = Number(/\d+$/.exec(ready.msg)![0]);
  });

  afterAll(async () => {
    await java?.stop();
    await cp?.stop();
    await nats?.stop();
  });

  test('the reflected .proto files push, equal the files on disk, and idl diff says so', async () => {
    const idl = join(repoRoot, 'idl');
    const files = {
      'acme/users/v1/users.proto': readFileSync(join(idl, 'acme/users/v1/users.proto'), 'utf8'),
      'acme/common/v1/money.proto': readFileSync(join(idl, 'acme/common/v1/money.proto'), 'utf8'),
    };
    expect((await cli('idl', 'push', ...idlPushArgs(files, 'acme/users/v1/users.proto'))).code).toBe(0);
    const res = await cli('idl', 'push', '--reflect', `127.0.0.1:${port}`);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    // Only the API: grpc-java lists its reflection service too, which is not pushed.
    expect(res.stdout).toMatch(new RegExp(`^version \\d+\\n  ${svc} \\(grpc\\)$`));
    const diff = await cli('idl', 'diff', svc);
    expect(diff.stdout).toMatch(new RegExp(`^${svc}: version \\d+ → \\d+, no changes$`));
    const show = JSON.parse((await cli('idl', 'show', svc, '--json')).stdout);
    expect(show.methods.map((m: { name: string }) => m.name)).toEqual(['GetUser', 'CreateUser', 'ListUsers']);
  });

  test('with a changed copy in the registry, the running service is a breaking change back', async () => {
    // The registry moves ahead of the deployed server (a field renamed, forced); reading the
    // server back is then breaking, and the problems name what the server still has.
    const idl = join(repoRoot, 'idl');
    const users = readFileSync(join(idl, 'acme/users/v1/users.proto'), 'utf8').replace('string display_name = 3;', 'string name = 3;');
    const files = { 'acme/users/v1/users.proto': users, 'acme/common/v1/money.proto': readFileSync(join(idl, 'acme/common/v1/money.proto'), 'utf8') };
    expect((await cli('idl', 'push', ...idlPushArgs(files, 'acme/users/v1/users.proto'), '--allow-breaking')).code).toBe(0);
    const res = await cli('idl', 'push', '--reflect', `127.0.0.1:${port}`, '--service', svc);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^acme\/users\/v1\/users\.proto:\d+:\d+: FIELD_SAME_NAME: field 3 of message acme\.users\.v1\.User changed name from "name" to "display_name"$/m);
  });
});
