import http2 from 'node:http2';
import net from 'node:net';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Proc, spawnCli } from '../helpers/processes';
import { CaMesh, echoService, startCaMesh } from '../helpers/ca-mesh';
import { call, fastDiscovery, SidecarProc } from '../helpers/mesh';
import { generateKeys, privateKeyPem, randomSerial, signingAlgorithm, x509 } from '../../src/identity/pem';
import { initCa, loadCa, signCsr } from '../../src/identity/ca';
import { newWorkloadKey } from '../../src/identity/workload-key';

jest.setTimeout(90000);

/**
 * A mesh with a CA, all real processes: `ca init`, a control plane with --ca (certificates of
 * 4 s, so they renew every 2 s), sidecars joining with tokens, the peer hop mTLS.
 */
describe('mTLS mesh', () => {
  const svc = echoService;
  let nats: CaMesh['nats'];
  let cp: Proc;
  let provider: SidecarProc;
  let web: SidecarProc;
  let other: SidecarProc;
  let mesh: CaMesh;
  let caDir: string;
  let tokens: Record<string, string>;
  const extra: Proc[] = [];

  const token = (app: string, ttl?: string) => mesh.token(app, ttl);
  const join_ = (app: string, tok: string | undefined, provide: string[] = []) => mesh.join(app, tok, provide);
  const inboundCallers = async (sc: SidecarProc) => {
    const text = await (await fetch(`${sc.admin}/metrics`)).text();
    const counts: Record<string, number> = {};
    for (const m of text.matchAll(/^transmesh_requests_total\{direction="inbound",caller="([^"]*)",[^}]*\} (\d+)/gm)) counts[m[1]] = (counts[m[1]] ?? 0) + Number(m[2]);
    return counts;
  };

  beforeAll(async () => {
    // Certificates of 4 s renew every 2 s; web's token expires in seconds: its renewals must go on
    // without it (proved by its certificate).
    mesh = await startCaMesh({ certTtl: '4s', webTokenTtl: '10s' });
    ({ nats, cp, provider, web, other, caDir, tokens } = mesh);
  });

  afterAll(async () => {
    await Promise.all(extra.map((p) => p.stop()));
    await mesh?.stop();
  });

  test('ca init writes owner-only files', () => {
    for (const f of ['ca.crt', 'ca.key']) expect(statSync(join(caDir, f)).mode & 0o777).toBe(0o600);
  });

  test('a call goes through the mTLS peer hop, and the provider knows the caller from its certificate', async () => {
    const res = await call(web.url, `/${svc}/Echo`, { text: 'hi' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ text: 'hi', server: 'A' });
    expect((await inboundCallers(provider)).web).toBeGreaterThanOrEqual(1);
  });

  test('a sidecar whose app is other cannot pass as web by any header', async () => {
    const before = await inboundCallers(provider);
    // The mesh's own header as metadata is refused outright; as a plain header it is not passed on.
    expect((await call(other.url, `/${svc}/Echo`, { text: 'spoof' }, { 'grpc-metadata-x-transmesh-caller': 'web' })).status).toBe(400);
    const spoof = { 'x-transmesh-caller': 'web' };
    for (let i = 0; i < 3; i++) expect((await call(other.url, `/${svc}/Echo`, { text: 'spoof' }, spoof)).status).toBe(200);
    const after = await inboundCallers(provider);
    expect((after.other ?? 0) - (before.other ?? 0)).toBe(3);
    expect(after.web ?? 0).toBe(before.web ?? 0);
  });

  test('a plaintext (h2c) client is refused at --inbound', async () => {
    const got = await new Promise<{ bytes: Buffer }>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const s = net.connect(provider.inboundPort, '127.0.0.1', () => s.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00'));
      s.on('data', (c) => chunks.push(c));
      s.on('error', () => undefined);
      s.on('close', () => resolve({ bytes: Buffer.concat(chunks) }));
      s.setTimeout(20000, () => reject(new Error('the listener kept a plaintext connection open')));
    });
    // Whatever came back (nothing, or a TLS alert) is no HTTP/2 SETTINGS frame.
    expect(got.bytes.length >= 4 && got.bytes[3] === 0x04).toBe(false);
  });

  const tlsRequest = (opts: http2.SecureClientSessionOptions) =>
    new Promise<string>((resolve) => {
      const s = http2.connect(`https://127.0.0.1:${provider.inboundPort}`, { ca: readFileSync(join(caDir, 'ca.crt')), checkServerIdentity: () => undefined, ...opts });
      s.on('error', (err) => resolve(`refused: ${err.message}`));
      const r = s.request({ ':method': 'POST', ':path': `/${svc}/Echo`, 'content-type': 'application/grpc', 'x-transmesh-caller': 'web' });
      r.on('response', () => resolve('answered'));
      r.on('error', (err) => resolve(`refused: ${err.message}`));
      // A rejected client certificate may end the stream with no error event at all.
      r.on('close', () => resolve(`refused: stream closed (${r.rstCode})`));
      r.end(Buffer.from([0, 0, 0, 0, 0]));
    });

  test('a TLS client without a certificate is refused at --inbound', async () => {
    expect(await tlsRequest({})).toMatch(/^refused/);
  });

  test('a self-signed certificate, or one from another CA, claiming a mesh identity is refused', async () => {
    const keys = await generateKeys();
    const selfSigned = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomSerial(),
      name: 'CN=web',
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 3_600_000),
      keys,
      signingAlgorithm,
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: 'spiffe://transmesh.local/app/web' }])],
    });
    expect(await tlsRequest({ cert: selfSigned.toString('pem'), key: await privateKeyPem(keys.privateKey) })).toMatch(/^refused/);
    const fakeDir = join(mkdtempSync(join(tmpdir(), 'transmesh-fake-ca-')), 'ca');
    await initCa(fakeDir);
    const fake = await loadCa(fakeDir);
    const leaf = await newWorkloadKey('web');
    const cert = await signCsr(fake, leaf.csrPem, 'web', 3_600_000);
    expect(await tlsRequest({ cert, key: leaf.keyPem })).toMatch(/^refused/);
  });

  const exitOf = async (app: string, env: Record<string, string>) => {
    const p = spawnCli(`sidecar ${app}`, ['sidecar', '--nats', nats.url, '--app', app, '--listen', '127.0.0.1:0', '--inbound', '127.0.0.1:0', '--admin', '127.0.0.1:0'], { ...fastDiscovery, ...env });
    extra.push(p);
    const code = await p.exited;
    await new Promise((r) => setImmediate(r));
    const lines = p.lines.filter((l) => l.raw).map((l) => l.msg);
    return { code, last: lines[lines.length - 1] ?? '' };
  };

  test('a sidecar without a token, or with a tampered, expired or other app\'s token, exits non-zero with a one-line reason', async () => {
    const none = await exitOf('web', {});
    expect(none.code).not.toBe(0);
    expect(none.last).toMatch(/^transmesh: this mesh has a CA: --token .* is required/);
    const [h, p, s] = tokens.web.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, app: 'admin' })).toString('base64url')}.${s}`;
    const bad = await exitOf('admin', { TRANSMESH_TOKEN: tampered });
    expect(bad.code).not.toBe(0);
    expect(bad.last).toMatch(/^transmesh: the join token has a bad signature/);
    const wrongApp = await exitOf('admin', { TRANSMESH_TOKEN: await token('web') });
    expect(wrongApp.code).not.toBe(0);
    expect(wrongApp.last).toMatch(/^transmesh: the join token is for app web, not admin/);
    const expired = await token('web', '1s');
    await new Promise((r) => setTimeout(r, 1100)); // the token's own lifetime, not a timing assertion
    const old = await exitOf('web', { TRANSMESH_TOKEN: expired });
    expect(old.code).not.toBe(0);
    expect(old.last).toMatch(/^transmesh: the join token for web expired/);
  });

  test('certificates renew at half-life while calls flow, no call failing, past the join token\'s expiry; new sessions use the renewed ones', async () => {
    const webTokenExp = JSON.parse(Buffer.from(tokens.web.split('.')[1], 'base64url').toString()).exp * 1000;
    const renewals = (sc: SidecarProc) => sc.proc.lines.filter((l) => l.msg === 'mesh certificate renewed').length;
    const target = renewals(provider) + 3;
    const statuses: number[] = [];
    while (renewals(provider) < target || renewals(web) < 3 || Date.now() < webTokenExp + 2500) {
      statuses.push((await call(web.url, `/${svc}/Echo`, { text: 'r' })).status);
    }
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(web.proc.lines.filter((l) => l.msg === 'mesh certificate renewal failed; retrying')).toEqual([]);
    expect(cp.lines.some((l) => l.msg === 'certificate issued' && l.app === 'web' && l.by === 'renewal' && l.time > webTokenExp)).toBe(true);
    // The provider's first certificate has expired by now: a new consumer's fresh session
    // succeeds only if the provider's listener serves the renewed one.
    const late = await join_('late', await token('late'));
    extra.push(late.proc);
    await late.proc.waitFor((l) => l.msg === 'endpoints snapshot' && l.endpoints.length === 1, 'the provider in discovery');
    expect((await call(late.url, `/${svc}/Echo`, { text: 'late' })).status).toBe(200);
  });
});
