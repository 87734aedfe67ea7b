import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, NatsConnection } from 'nats';
import { freePort, Proc, repoRoot, runCli, spawnCli } from '../helpers/processes';
import { quotaLeaseSource } from '../../src/quota/quota-bucket';
import { counterKey, legacyCounterKey } from '../../src/quota/kv-lease-source';
import { createLogger } from '../../src/log/logger';
import { encodeJson } from '../../src/registry/kv';
import { Subjects } from '../../src/registry/names';
import { newWorkloadKey } from '../../src/identity/workload-key';
import { windowStart } from '../../src/policy/quota-window';
import { spawnProc } from '../../src/dev/processes';
import { natsServerBinary } from '../../src/dev/nats-binary';
import { fastDiscovery } from '../helpers/mesh';
import { idlPushArgs } from '../helpers/idl-files';
import { echoFiles } from '../helpers/grpc-echo-server';
import { initCa, loadCa } from '../../src/identity/ca';
import { generateKeys, privateKeyPem, randomSerial, signingAlgorithm, x509 } from '../../src/identity/pem';

jest.setTimeout(60000);

const passwords = { TRANSMESH_CP_PASSWORD: 'cp-secret', TRANSMESH_OPERATOR_PASSWORD: 'op-secret', TRANSMESH_WEB_PASSWORD: 'web-secret' };
const enc = (s: string) => new TextEncoder().encode(s);

/**
 * The nats-server configuration shipped in docs/nats-server-auth.conf, run as it is, on a mesh with
 * a CA: the mesh works with one user per role, a sidecar started before any bucket exists waits
 * for the control plane to create them, and each write a sidecar's user has no business making is
 * refused by nats-server.
 */
describe('NATS as part of the trust: one user per role', () => {
  let dir: string;
  let server: Proc;
  let port: number;
  let cp: Proc;
  let web: Proc;
  let webAdmin: string;
  let webToken: string;
  let asWeb: NatsConnection;
  const url = (user: string, pass: string) => `nats://${user}:${pass}@127.0.0.1:${port}`;
  const refused = { code: 'PERMISSIONS_VIOLATION' };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'transmesh-nats-auth-'));
    copyFileSync(join(repoRoot, 'docs', 'nats-server-auth.conf'), join(dir, 'nats-server-auth.conf'));
    port = await freePort();
    writeFileSync(join(dir, 'server.conf'), `listen: 127.0.0.1:${port}\njetstream { store_dir: "${join(dir, 'js')}" }\ninclude "nats-server-auth.conf"\n`);
    server = spawnProc('nats-server', natsServerBinary(), ['-c', join(dir, 'server.conf')], { env: passwords });
    await server.waitFor((l) => /Server is ready/.test(l.msg), 'nats-server ready');
    expect((await runCli(['ca', 'init', '--out', join(dir, 'ca')])).code).toBe(0);
    const token = await runCli(['token', 'create', '--app', 'web', '--ca', join(dir, 'ca'), '--ttl', '1h']);
    webToken = token.stdout.trim();
    // The sidecar first: no bucket exists yet, and its user may not create one.
    web = spawnCli('sidecar web', ['sidecar', '--nats', url('web', passwords.TRANSMESH_WEB_PASSWORD), '--app', 'web', '--token', webToken, '--provide', 'mesh.test.v1.Echo=grpc://127.0.0.1:1',
      '--listen', '127.0.0.1:0', '--inbound', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--advertise', '127.0.0.1'], fastDiscovery);
    await web.waitFor((l) => l.msg === 'waiting for bucket transmesh_ca: a control plane creates it at start', 'the sidecar waiting for the CA bucket');
    cp = spawnCli('control-plane', ['control-plane', '--nats', url('control-plane', passwords.TRANSMESH_CP_PASSWORD), '--admin', '127.0.0.1:0', '--ca', join(dir, 'ca')]);
    await cp.waitForMsg('control plane ready');
    webAdmin = (await web.waitForMsg('sidecar ready', 30000)).admin;
    asWeb = await connect({ servers: `127.0.0.1:${port}`, user: 'web', pass: passwords.TRANSMESH_WEB_PASSWORD });
  });

  afterAll(async () => {
    await asWeb?.close();
    await web?.stop();
    await cp?.stop();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the sidecar that waited joins once the control plane made the buckets; the operator pushes IDL and the sidecar sees it', async () => {
    expect(web.lines.some((l) => l.msg === 'bucket found; going on' && l.bucket === 'transmesh_ca')).toBe(true);
    expect(web.lines.find((l) => l.msg === 'sidecar ready')).toMatchObject({ mtls: true });
    await web.waitFor((l) => l.msg === 'endpoints snapshot' && l.endpoints.some((e: string) => e.startsWith('web.')), 'its own record in discovery');
    const pushed = await runCli(['idl', 'push', ...idlPushArgs(echoFiles(), 'echo.proto'), '--nats', url('operator', passwords.TRANSMESH_OPERATOR_PASSWORD)]);
    expect(pushed.code).toBe(0);
    // The version this push made (a retried test pushes again and makes the next one).
    const version = Number(/^version (\d+)/.exec(pushed.stdout)?.[1]);
    await web.waitFor((l) => l.msg === 'idl snapshot loaded' && l.services['mesh.test.v1.Echo'] === version, 'the IDL snapshot');
    const snap = (await (await fetch(`${webAdmin}/debug/snapshot`)).json()) as { idl: { services: Array<{ name: string }> } };
    expect(snap.idl.services.map((s) => s.name)).toContain('mesh.test.v1.Echo');
  });

  test('a sidecar user cannot push IDL', async () => {
    await expect(asWeb.request('transmesh.idl.push', enc('{"files":{"a.proto":"syntax = \\"proto3\\";"},"entries":["a.proto"]}'), { timeout: 5000 })).rejects.toMatchObject(refused);
  });

  test('a sidecar user cannot write the IDL, policy or CA buckets, nor another app\'s discovery record, only its own', async () => {
    const registry = async () => JSON.parse((await runCli(['idl', 'ls', '--json', '--nats', url('operator', passwords.TRANSMESH_OPERATOR_PASSWORD)])).stdout);
    const before = await registry();
    expect(before).toEqual([expect.objectContaining({ name: 'mesh.test.v1.Echo', version: expect.any(Number) })]);
    const js = asWeb.jetstream();
    const idl = await js.views.kv('transmesh_idl', { bindOnly: true });
    await expect(idl.put('seq', enc('999'))).rejects.toMatchObject(refused);
    await expect(idl.delete('seq')).rejects.toMatchObject(refused);
    const policy = await js.views.kv('transmesh_policy', { bindOnly: true });
    await expect(policy.put('service.mesh.test.v1.Echo', enc('{}'))).rejects.toMatchObject(refused);
    await expect(policy.put('doc.mesh.test.v1.Echo.1', enc('{}'))).rejects.toMatchObject(refused);
    const ca = await js.views.kv('transmesh_ca', { bindOnly: true });
    await expect(ca.put('ca', enc('{"cert":"forged","trustDomain":"evil"}'))).rejects.toMatchObject(refused);
    const endpoints = await js.views.kv('transmesh_endpoints', { bindOnly: true });
    await expect(endpoints.put('ledger.fake', enc('{}'))).rejects.toMatchObject(refused);
    await expect(endpoints.put('web.own-test-key', enc('{}'))).resolves.toBeGreaterThan(0);
    await endpoints.delete('web.own-test-key');
    // What it tried to change is unchanged: the registry still answers as before.
    expect(await registry()).toEqual(before);
  });

  test('a sidecar user writes its own quota counters, never another app\'s (nor the old, service-first keys); the operator lists quotas', async () => {
    const source = quotaLeaseSource(asWeb, createLogger('test'));
    const key = { service: 'mesh.test.v1.Echo', quotaId: 'day-all', caller: 'web', methods: [], per: 'day' as const, limit: 10, windowStart: windowStart(Date.now(), 'day') };
    const quota = await asWeb.jetstream().views.kv('transmesh_quota', { bindOnly: true });
    // From a fresh counter, also when CI retries this test after an attempt that took from it.
    await quota.delete(counterKey(key));
    await expect(source.take(key, () => 4)).resolves.toEqual({ granted: 4, remaining: 6 });
    await expect(source.settle(key, 1, 'test-batch')).resolves.toBeUndefined();
    // Spending another app's quota: its counter, through the same code path, and by a raw put.
    await expect(source.take({ ...key, caller: 'ledger' }, () => 4)).rejects.toMatchObject(refused);
    await expect(quota.put(counterKey({ ...key, caller: 'ledger' }), enc('{}'))).rejects.toMatchObject(refused);
    await expect(quota.put(legacyCounterKey(key), enc('{}'))).rejects.toMatchObject(refused);
    await expect(quota.delete(counterKey(key))).resolves.toBeUndefined();
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

  test('a sidecar user cannot create, change, purge or delete a bucket', async () => {
    const jsm = await asWeb.jetstreamManager();
    await expect(jsm.streams.add({ name: 'KV_transmesh_extra', subjects: ['$KV.transmesh_extra.>'] })).rejects.toMatchObject(refused);
    await expect(asWeb.jetstream().views.kv('transmesh_extra')).rejects.toMatchObject(refused);
    const info = await jsm.streams.info('KV_transmesh_quota');
    // Creating an existing bucket with its own options would be a no-op; it is refused all the same.
    await expect(jsm.streams.add(info.config)).rejects.toMatchObject(refused);
    await expect(jsm.streams.update('KV_transmesh_quota', { ...info.config, max_age: 1_000_000_000 })).rejects.toMatchObject(refused);
    await expect(jsm.streams.purge('KV_transmesh_endpoints')).rejects.toMatchObject(refused);
    for (const bucket of ['transmesh_idl', 'transmesh_endpoints', 'transmesh_policy', 'transmesh_ca', 'transmesh_quota']) {
      await expect(jsm.streams.delete(`KV_${bucket}`)).rejects.toMatchObject(refused);
    }
    expect((await jsm.streams.info('KV_transmesh_quota')).config.max_age).toBe(info.config.max_age);
  });

  test('a sidecar user cannot answer signing requests, nor get a certificate for another app', async () => {
    const sub = asWeb.subscribe(Subjects.caSign);
    await expect((async () => {
      for await (const _ of sub) return;
    })()).rejects.toMatchObject(refused);
    // Its own token names web: the control plane refuses it for ledger, with or without a renewal proof.
    const key = await newWorkloadKey('ledger');
    const reply = await asWeb.request(Subjects.caSign, encodeJson({ app: 'ledger', csr: key.csrPem, token: webToken }), { timeout: 5000 });
    expect(JSON.parse(new TextDecoder().decode(reply.data))).toMatchObject({ ok: false });
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
