import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, NatsConnection } from 'nats';
import { freePort, Proc, repoRoot, runCli, spawnCli } from '../helpers/processes';
import { quotaLeaseSource } from '../../src/quota/quota-bucket';
import { windowStart } from '../../src/policy/quota-window';
import { spawnProc } from '../../src/dev/processes';
import { natsServerBinary } from '../../src/dev/nats-binary';
import { startSidecar, SidecarProc } from '../helpers/mesh';
import { idlPushArgs } from '../helpers/idl-files';
import { echoFiles } from '../helpers/grpc-echo-server';
import { initCa, loadCa } from '../../src/identity/ca';
import { generateKeys, privateKeyPem, randomSerial, signingAlgorithm, x509 } from '../../src/identity/pem';

jest.setTimeout(60000);

const passwords = { TRANSMESH_CP_PASSWORD: 'cp-secret', TRANSMESH_OPERATOR_PASSWORD: 'op-secret', TRANSMESH_WEB_PASSWORD: 'web-secret' };
const enc = (s: string) => new TextEncoder().encode(s);

/**
 * The nats-server configuration shipped in docs/nats-server-auth.conf, run as it is: the mesh
 * works with one user per role, and a sidecar's user cannot push IDL, write the IDL bucket or
 * another app's discovery record.
 */
describe('NATS as part of the trust: one user per role', () => {
  let dir: string;
  let server: Proc;
  let port: number;
  let cp: Proc;
  let web: SidecarProc;
  let asWeb: NatsConnection;
  const url = (user: string, pass: string) => `nats://${user}:${pass}@127.0.0.1:${port}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'transmesh-nats-auth-'));
    copyFileSync(join(repoRoot, 'docs', 'nats-server-auth.conf'), join(dir, 'nats-server-auth.conf'));
    port = await freePort();
    writeFileSync(join(dir, 'server.conf'), `listen: 127.0.0.1:${port}\njetstream { store_dir: "${join(dir, 'js')}" }\ninclude "nats-server-auth.conf"\n`);
    server = spawnProc('nats-server', natsServerBinary(), ['-c', join(dir, 'server.conf')], { env: passwords });
    await server.waitFor((l) => /Server is ready/.test(l.msg), 'nats-server ready');
    cp = spawnCli('control-plane', ['control-plane', '--nats', url('control-plane', passwords.TRANSMESH_CP_PASSWORD), '--admin', '127.0.0.1:0']);
    await cp.waitForMsg('control plane ready');
    asWeb = await connect({ servers: `127.0.0.1:${port}`, user: 'web', pass: passwords.TRANSMESH_WEB_PASSWORD });
  });

  afterAll(async () => {
    await asWeb?.close();
    await web?.proc.stop();
    await cp?.stop();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the operator user pushes IDL; a sidecar runs on its own user and announces itself', async () => {
    const pushed = await runCli(['idl', 'push', ...idlPushArgs(echoFiles(), 'echo.proto'), '--nats', url('operator', passwords.TRANSMESH_OPERATOR_PASSWORD)]);
    expect(pushed.code).toBe(0);
    web = await startSidecar(url('web', passwords.TRANSMESH_WEB_PASSWORD), 'web', ['mesh.test.v1.Echo=grpc://127.0.0.1:1']);
    await web.proc.waitFor((l) => l.msg === 'endpoints snapshot' && l.endpoints.some((e: string) => e.startsWith('web.')), 'its own record in discovery');
    const idl = (await (await fetch(`${web.admin}/debug/snapshot`)).json()) as { idl: { services: Array<{ name: string }> } };
    expect(idl.idl.services.map((s) => s.name)).toContain('mesh.test.v1.Echo');
  });

  test('a sidecar user cannot push IDL', async () => {
    await expect(asWeb.request('transmesh.idl.push', enc('{"files":{"a.proto":"syntax = \\"proto3\\";"},"entries":["a.proto"]}'), { timeout: 5000 })).rejects.toMatchObject({
      code: 'PERMISSIONS_VIOLATION',
    });
  });

  test('a sidecar user cannot put into the IDL bucket nor write another app\'s discovery record, only its own', async () => {
    const js = asWeb.jetstream();
    const idl = await js.views.kv('transmesh_idl', { bindOnly: true });
    await expect(idl.put('seq', enc('999'))).rejects.toMatchObject({ code: 'PERMISSIONS_VIOLATION' });
    await expect(idl.delete('seq')).rejects.toMatchObject({ code: 'PERMISSIONS_VIOLATION' });
    const endpoints = await js.views.kv('transmesh_endpoints', { bindOnly: true });
    await expect(endpoints.put('ledger.fake', enc('{}'))).rejects.toMatchObject({ code: 'PERMISSIONS_VIOLATION' });
    await expect(endpoints.put('web.own-test-key', enc('{}'))).resolves.toBeGreaterThan(0);
    await endpoints.delete('web.own-test-key');
    // What it tried to change is unchanged: the registry still answers with version 1.
    const ls = await runCli(['idl', 'ls', '--json', '--nats', url('operator', passwords.TRANSMESH_OPERATOR_PASSWORD)]);
    expect(JSON.parse(ls.stdout)).toEqual([expect.objectContaining({ name: 'mesh.test.v1.Echo', version: 1 })]);
  });

  test('a sidecar user takes quota leases by compare-and-set; the operator user lists quotas', async () => {
    const source = quotaLeaseSource(asWeb);
    const key = { service: 'mesh.test.v1.Echo', quotaId: 'day-all', caller: 'web', methods: [], per: 'day' as const, limit: 10, windowStart: windowStart(Date.now(), 'day') };
    await expect(source.take(key, () => 4)).resolves.toEqual({ granted: 4, remaining: 6 });
    await expect(source.settle(key, 1, 'test-batch')).resolves.toBeUndefined();
    const ls = await runCli(['quota', 'ls', '--json', '--nats', url('operator', passwords.TRANSMESH_OPERATOR_PASSWORD)]);
    expect(ls.stderr).toBe('');
    expect(ls.code).toBe(0);
    expect(JSON.parse(ls.stdout)).toEqual([]);
  });

  test('the operator user runs transmesh check and status (reads only)', async () => {
    const operator = url('operator', passwords.TRANSMESH_OPERATOR_PASSWORD);
    const check = await runCli(['check', '--nats', operator]);
    expect([check.code, check.stderr, check.stdout.split('\n').filter((l) => !l.startsWith('✔'))]).toEqual([0, '', ['all checks passed']]);
    const status = await runCli(['status', '--json', '--nats', operator]);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).sidecars.map((s: { app: string }) => s.app)).toEqual(['web']);
  });

  test('a wrong password: the CLI exits non-zero with one line', async () => {
    const res = await runCli(['idl', 'ls', '--nats', url('operator', 'wrong')]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/^transmesh: cannot reach NATS at nats:\/\/operator:\*\*\*@127\.0\.0\.1:\d+: .*(Authorization|AUTHORIZATION)/m);
  });
});

/** NATS over TLS: a `tls://` URL and the server's CA given with --nats-ca (or TRANSMESH_NATS_CA). */
describe('NATS over TLS', () => {
  let dir: string;
  let server: Proc;
  let port: number;
  let cp: Proc;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'transmesh-nats-tls-'));
    await initCa(join(dir, 'ca'));
    const ca = await loadCa(join(dir, 'ca'));
    const keys = await generateKeys();
    const caCert = new x509.X509Certificate(ca.certPem);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerial(),
      subject: 'CN=nats',
      issuer: caCert.subject,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 3_600_000),
      signingKey: ca.key,
      publicKey: keys.publicKey,
      signingAlgorithm,
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }, { type: 'dns', value: 'localhost' }])],
    });
    writeFileSync(join(dir, 'server.crt'), cert.toString('pem'));
    writeFileSync(join(dir, 'server.key'), await privateKeyPem(keys.privateKey));
    port = await freePort();
    writeFileSync(
      join(dir, 'server.conf'),
      `listen: 127.0.0.1:${port}\njetstream { store_dir: "${join(dir, 'js')}" }\ntls { cert_file: "${join(dir, 'server.crt')}", key_file: "${join(dir, 'server.key')}" }\n`,
    );
    server = spawnProc('nats-server', natsServerBinary(), ['-c', join(dir, 'server.conf')]);
    await server.waitFor((l) => /Server is ready/.test(l.msg), 'nats-server ready');
    cp = spawnCli('control-plane', ['control-plane', '--nats', `tls://127.0.0.1:${port}`, '--nats-ca', join(dir, 'ca', 'ca.crt'), '--admin', '127.0.0.1:0']);
    await cp.waitForMsg('control plane ready');
  });

  afterAll(async () => {
    await cp?.stop();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the CLI reaches the control plane over TLS with the CA from --nats-ca or TRANSMESH_NATS_CA, and not without it', async () => {
    expect((await runCli(['idl', 'ls', '--nats', `tls://127.0.0.1:${port}`, '--nats-ca', join(dir, 'ca', 'ca.crt')])).code).toBe(0);
    expect((await runCli(['idl', 'ls', '--nats', `tls://127.0.0.1:${port}`], { TRANSMESH_NATS_CA: join(dir, 'ca', 'ca.crt') })).code).toBe(0);
    const untrusted = await runCli(['idl', 'ls', '--nats', `tls://127.0.0.1:${port}`]);
    expect(untrusted.code).not.toBe(0);
    expect(untrusted.stderr).toMatch(/^transmesh: cannot reach NATS at tls:\/\/127\.0\.0\.1:\d+: /);
  });
});
