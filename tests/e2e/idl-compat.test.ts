import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { idlPushArgs } from '../helpers/idl-files';
import { startControlPlane } from '../helpers/mesh';
import { policyFile } from '../helpers/policy';
import { Proc, repoRoot, runCli, startNats } from '../helpers/processes';

jest.setTimeout(60000);

/**
 * The breaking-change check of `idl push` end to end: real nats-server, a control plane and the
 * CLI as separate processes, on the example IDL. The rules themselves are proven in
 * tests/unit/idl-compat-*.test.ts against buf and thrift --audit.
 */
describe('idl push refuses breaking changes', () => {
  let nats: Awaited<ReturnType<typeof startNats>>;
  let cp: Proc;
  const svc = 'acme.users.v1.UserService';
  const cli = (...args: string[]) => runCli([...args, '--nats', nats.url]);
  const idl = join(repoRoot, 'idl');
  const users = readFileSync(join(idl, 'acme/users/v1/users.proto'), 'utf8');
  const money = readFileSync(join(idl, 'acme/common/v1/money.proto'), 'utf8');
  const orders = readFileSync(join(idl, 'orders.thrift'), 'utf8');
  const shared = readFileSync(join(idl, 'shared.thrift'), 'utf8');
  const pushUsers = (text: string, ...flags: string[]) =>
    cli('idl', 'push', ...idlPushArgs({ 'acme/users/v1/users.proto': text, 'acme/common/v1/money.proto': money }, 'acme/users/v1/users.proto'), ...flags);
  const pushOrders = (text: string, ...flags: string[]) => cli('idl', 'push', ...idlPushArgs({ 'orders.thrift': text, 'shared.thrift': shared }, 'orders.thrift'), ...flags);
  const edit = (text: string, from: string, to: string) => {
    if (!text.includes(from)) throw new Error(`the example IDL changed: ${from} is gone`);
    return text.replace(from, to);
  };

  beforeAll(async () => {
    nats = await startNats();
    cp = await startControlPlane(nats.url);
    expect((await pushUsers(users)).code).toBe(0);
    expect((await pushOrders(orders)).code).toBe(0);
  });

  afterAll(async () => {
    await cp?.stop();
    await nats?.stop();
  });

  test('a breaking .proto push is refused with every problem named, and nothing is stored', async () => {
    const before = JSON.parse((await cli('idl', 'ls', '--json')).stdout);
    let broken = edit(users, '  string display_name = 3;', '  int32 display_name = 3;');
    broken = edit(broken, '  repeated string roles = 7;\n', '');
    const res = await pushUsers(broken);
    expect(res.code).toBe(1);
    expect(res.stderr.split('\n')).toEqual([
      expect.stringMatching(/^transmesh: refused: 3 breaking changes/),
      'acme/users/v1/users.proto:29:9: FIELD_NO_DELETE_UNLESS_NAME_RESERVED: field "roles" (7) of message acme.users.v1.User removed without reserving the name "roles"',
      'acme/users/v1/users.proto:29:9: FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED: field "roles" (7) of message acme.users.v1.User removed without reserving the number 7',
      'acme/users/v1/users.proto:46:3: FIELD_WIRE_JSON_COMPATIBLE_TYPE: field "display_name" (3) of message acme.users.v1.User changed type from string to int32',
    ]);
    expect(JSON.parse((await cli('idl', 'ls', '--json')).stdout)).toEqual(before);
  });

  test('the same removal done safely (reserved) goes through, as does an added field', async () => {
    const safe = edit(edit(users, '  repeated string roles = 7;\n', '  reserved 7;\n  reserved "roles";\n'), '  acme.common.v1.Money balance = 9;\n', '  acme.common.v1.Money balance = 9;\n  string nickname = 10;\n');
    const res = await pushUsers(safe);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^version \d+\n/);
    const diff = await cli('idl', 'diff', svc);
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain('+ field "nickname" (10) added to message acme.users.v1.User');
    expect(diff.stdout).toContain('- field "roles" (7) of message acme.users.v1.User removed');
    expect(diff.stdout).not.toContain('!');
  });

  test('--allow-breaking stores it anyway; the history and idl diff show it was forced', async () => {
    const current = await pushUsers(edit(users, '  string display_name = 3;', '  int32 display_name = 3;'), '--allow-breaking');
    expect(current.code).toBe(0);
    expect(current.stdout).toMatch(/forced: \d+ breaking changes? stored with --allow-breaking/);
    const forcedVersion = Number(/^version (\d+)/.exec(current.stdout)![1]);
    const history = JSON.parse((await cli('idl', 'ls', '--history', svc, '--json')).stdout);
    const last = history.versions[history.versions.length - 1];
    expect(last).toMatchObject({ version: forcedVersion, current: true });
    expect(last.forced).toEqual(expect.arrayContaining([expect.stringMatching(/FIELD_WIRE_JSON_COMPATIBLE_TYPE: field "display_name"/)]));
    expect(history.versions[0].forced).toEqual([]);
    const table = await cli('idl', 'ls', '--history', svc);
    expect(table.stdout).toMatch(new RegExp(`\\n${forcedVersion}\\s+\\S+\\s+\\*\\s+yes \\(\\d+ breaking\\)`));
    const diff = JSON.parse((await cli('idl', 'diff', svc, '--json')).stdout);
    expect(diff.to).toBe(forcedVersion);
    expect(diff.changes).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'changed', element: 'field', name: 'acme.users.v1.User.display_name', rule: 'FIELD_WIRE_JSON_COMPATIBLE_TYPE' })]));
    const text = await cli('idl', 'diff', svc, '--from', String(history.versions[0].version), '--to', String(forcedVersion));
    expect(text.stdout).toMatch(/^! ~ field "display_name" \(3\) of message acme.users.v1.User changed type from string to int32 {2}\[FIELD_WIRE_JSON_COMPATIBLE_TYPE at acme\/users\/v1\/users.proto:46:3\]$/m);
    // Back to the original: string again is as breaking as the way there.
    expect((await pushUsers(users)).code).toBe(1);
    expect((await pushUsers(users, '--allow-breaking')).code).toBe(0);
  });

  test('a push removing a method a policy names is refused even with --allow-breaking', async () => {
    const policy = policyFile(`service: ${svc}\nmethods:\n  CreateUser: {timeout: 2s}\n`);
    const applied = await cli('policy', 'apply', policy);
    expect(applied.stderr).toBe('');
    const withoutCreate = edit(users, '  rpc CreateUser(CreateUserRequest) returns (User);\n', '');
    const res = await pushUsers(withoutCreate, '--allow-breaking');
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^transmesh: refused: the push removes a method a policy names/);
    expect(res.stderr).toMatch(/POLICY_METHOD_IN_USE: method CreateUser of acme.users.v1.UserService is named by the policy of acme.users.v1.UserService \(revision \d+, methods.CreateUser\); change the policy first/);
    // Once the policy no longer names it, the forced push goes through.
    expect((await cli('policy', 'apply', policyFile(`service: ${svc}\nmethods:\n  GetUser: {timeout: 2s}\n`))).code).toBe(0);
    expect((await pushUsers(withoutCreate, '--allow-breaking')).code).toBe(0);
  });

  test('.thrift: a changed field type is refused, an added optional field is not', async () => {
    const res = await pushOrders(edit(edit(orders, '  8: optional string note,', '  8: optional i64 note,'), '  9: i64 createdAtMillis,', '  9: i64 createdAtMillis,\n  10: optional string channel,'));
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^orders\.thrift:31:3: FIELD_SAME_TYPE: field 8: note of struct orders\.Order changed type from string to i64$/m);
    const ok = await pushOrders(edit(orders, '  9: i64 createdAtMillis,', '  9: i64 createdAtMillis,\n  10: optional string channel,'));
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const diff = await cli('idl', 'diff', 'orders.OrderService');
    expect(diff.stdout).toMatch(/^orders\.OrderService: version \d+ → \d+, 1 change\n {2}\+ field 10: channel added to struct orders\.Order$/);
  });
});
