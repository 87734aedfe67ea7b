import http2 from 'node:http2';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { Proc, runCli, spawnCli } from '../helpers/processes';
import { CaMesh, echoService, startCaMesh } from '../helpers/ca-mesh';
import { call, fastDiscovery, SidecarProc } from '../helpers/mesh';
import { loadCa, signCsr } from '../../src/identity/ca';
import { newWorkloadKey } from '../../src/identity/workload-key';
import { tokenId } from '../../src/identity/revocation';

jest.setTimeout(120000);

/**
 * Revocation on a mesh of real processes (nats-server, a control plane with --ca, a provider
 * sidecar and consumer sidecars joined with tokens): `cert revoke` shuts an app or one sidecar
 * out at every provider within 5 s, `token revoke` stops a token from joining, and both survive
 * restarts of NATS, the control plane and the provider.
 */
describe('revocation', () => {
  const svc = echoService;
  let mesh: CaMesh;
  const extra: Proc[] = [];
  const nats = () => mesh.nats.url;

  beforeAll(async () => {
    // Certificates of 8 s renew every 4 s, so a refused renewal shows within the test.
    mesh = await startCaMesh({ certTtl: '8s' });
  });

  afterAll(async () => {
    await Promise.all(extra.map((p) => p.stop()));
    await mesh?.stop();
  });

  const echo = (sc: SidecarProc) => call(sc.url, `/${svc}/Echo`, { text: 'hi' });
  /** Calls every 100 ms until the answer has `status`; the contract's 5 s is the limit. */
  const untilStatus = async (sc: SidecarProc, status: number, withinMs = 5000) => {
    const deadline = Date.now() + withinMs;
    for (;;) {
      const res = await echo(sc);
      if (res.status === status || Date.now() > deadline) return res;
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const metrics = async (sc: SidecarProc) => (await fetch(`${sc.admin}/metrics`)).text();
  const joined = async (app: string) => {
    const sc = await mesh.join(app, await mesh.token(app));
    extra.push(sc.proc);
    await sc.proc.waitFor((l) => l.msg === 'endpoints snapshot' && l.endpoints.length >= 1, 'the provider in discovery');
    return sc;
  };
  const instanceOf = (sc: SidecarProc) => sc.proc.lines.find((l) => l.msg === 'mesh certificate issued')!.instance as string;
  const exitOf = async (app: string, token: string) => {
    const p = spawnCli(`sidecar ${app}`, ['sidecar', '--nats', nats(), '--app', app, '--listen', '127.0.0.1:0', '--inbound', '127.0.0.1:0', '--admin', '127.0.0.1:0'], { ...fastDiscovery, TRANSMESH_TOKEN: token });
    extra.push(p);
    const code = await p.exited;
    await new Promise((r) => setImmediate(r));
    const lines = p.lines.filter((l) => l.raw).map((l) => l.msg);
    return { code, last: lines[lines.length - 1] ?? '' };
  };
  /** A call straight to the provider's --inbound with a certificate the test signs itself (app, instance, generation). */
  const direct = async (app: string, generation: number) => {
    const ca = await loadCa(mesh.caDir);
    const key = await newWorkloadKey(app);
    const cert = await signCsr(ca, key.csrPem, app, 3_600_000, { instance: `${app}.direct-test`, generation });
    return new Promise<string>((resolve) => {
      const s = http2.connect(`https://127.0.0.1:${mesh.provider.inboundPort}`, { ca: readFileSync(join(mesh.caDir, 'ca.crt')), cert, key: key.keyPem, checkServerIdentity: () => undefined });
      s.on('error', (err) => resolve(`error: ${err.message}`));
      const text = Buffer.from('direct');
      const r = s.request({ ':method': 'POST', ':path': `/${svc}/Echo`, 'content-type': 'application/grpc', te: 'trailers' });
      r.on('trailers', (t) => (resolve(`grpc-status ${t['grpc-status']}`), s.close()));
      r.on('response', (h) => h['grpc-status'] !== undefined && (resolve(`grpc-status ${h['grpc-status']}`), s.close()));
      r.on('data', () => undefined);
      r.end(Buffer.concat([Buffer.from([0, 0, 0, 0, text.length + 2, 0x0a, text.length]), text]));
    });
  };

  test('token create prints the token on stdout and its id on stderr', async () => {
    const res = await runCli(['token', 'create', '--app', 'web', '--ca', mesh.caDir]);
    expect(res.code).toBe(0);
    expect(res.stderr).toContain(`token id: ${tokenId(res.stdout.trim())}`);
  });

  /** The generation `cert revoke --app web` made: certificates of web from before it are refused. */
  let webGeneration = 1;

  test('cert revoke --app: the app is refused within 5 s (UNAUTHENTICATED, 401), counted and logged; others are not; renewals are refused', async () => {
    const logs = spawnCli('logs', ['logs', '--nats', nats(), '--caller', 'web', '--errors', '--json']);
    extra.push(logs);
    await logs.waitFor((l) => l.raw && /following access-log records/.test(l.msg), 'logs to follow');
    // A web sidecar of this attempt's own: a CI retry finds the first attempt's web already revoked.
    const web = await joined('web');
    expect((await echo(web)).status).toBe(200);
    const revoked = await runCli(['cert', 'revoke', '--app', 'web', '--nats', nats()]);
    const generation = /revoked every certificate of web issued until now \(generation (\d+)\)/.exec(revoked.stdout);
    expect(generation).not.toBeNull();
    webGeneration = Number(generation![1]);
    const res = await untilStatus(web, 401);
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringContaining('certificate of web was revoked') });
    expect((await echo(mesh.other)).status).toBe(200);
    const text = await metrics(mesh.provider);
    expect(text).toMatch(/^transmesh_revoked_calls_total\{caller="web"\} [1-9]/m);
    expect(text).toMatch(new RegExp(`^transmesh_requests_total\\{direction="inbound",caller="web",service="${svc.replace(/\./g, '\\.')}",method="Echo",code="UNAUTHENTICATED"\\} [1-9]`, 'm'));
    await logs.waitFor((l) => l.direction === 'inbound' && l.caller === 'web' && l.code === 'UNAUTHENTICATED', 'the inbound access-log record');
    // web's next renewal (every 4 s) is refused, and it stops asking.
    await mesh.cp.waitFor((l) => l.msg === 'certificate refused' && l.app === 'web' && /was revoked/.test(l.reason), 'the refused renewal');
    await web.proc.waitFor((l) => /mesh certificate was revoked/.test(l.msg), 'the sidecar giving up renewing');
    // The mesh's own web sidecar, joined before, is out too.
    expect((await echo(mesh.web)).status).toBe(401);
  });

  test('a sidecar of the revoked app started afterwards with a valid token gets a new certificate and works', async () => {
    const web2 = await joined('web');
    expect((await echo(web2)).status).toBe(200);
    expect((await echo(mesh.web)).status).toBe(401);
  });

  test('cert revoke --instance shuts out that one sidecar only', async () => {
    const [a, b] = [await joined('batch'), await joined('batch')];
    expect((await echo(a)).status).toBe(200);
    const res = await runCli(['cert', 'revoke', '--app', 'batch', '--instance', `batch/${instanceOf(a)}`, '--nats', nats()]);
    expect(res.stdout).toContain(`revoked the certificates of batch/${instanceOf(a)}`);
    expect((await untilStatus(a, 401)).status).toBe(401);
    expect((await echo(b)).status).toBe(200);
  });

  test('token revoke (the token, or its id): a sidecar starting with it exits non-zero, naming the revocation', async () => {
    const byToken = await mesh.token('cron');
    expect((await runCli(['token', 'revoke', byToken, '--nats', nats()])).stdout).toContain(`revoked token ${tokenId(byToken)}`);
    const out = await exitOf('cron', byToken);
    expect(out.code).not.toBe(0);
    expect(out.last).toMatch(/^transmesh: the control plane refused the certificate: the join token \S+ was revoked/);
    const created = await runCli(['token', 'create', '--app', 'cron', '--ca', mesh.caDir]);
    const id = /token id: (\S+)/.exec(created.stderr)![1];
    expect((await runCli(['token', 'revoke', id, '--nats', nats()])).code).toBe(0);
    expect((await exitOf('cron', created.stdout.trim())).code).not.toBe(0);
  });

  test('revocations survive restarts of NATS, the control plane and the provider sidecar', async () => {
    const revokedToken = await mesh.token('cron');
    await runCli(['token', 'revoke', revokedToken, '--nats', nats()]);
    await mesh.provider.proc.stop();
    await mesh.cp.stop();
    await mesh.nats.kill();
    await mesh.nats.restart();
    const cp = spawnCli('control-plane', ['control-plane', '--nats', nats(), '--admin', '127.0.0.1:0', '--ca', mesh.caDir], { TRANSMESH_CERT_TTL: '8s' });
    extra.push(cp);
    await cp.waitForMsg('control plane ready');
    const provider = await mesh.join('echo-a', mesh.tokens['echo-a'], [`${svc}=grpc://127.0.0.1:${mesh.echo.port}`]);
    extra.push(provider.proc);
    Object.assign(mesh.provider, provider);
    // A certificate of web from before the revocation is refused; one of the generation it made is not.
    expect(await direct('web', webGeneration - 1)).toBe('grpc-status 16');
    expect(await direct('web', webGeneration)).toBe('grpc-status 0');
    expect((await exitOf('cron', revokedToken)).code).not.toBe(0);
  });
});
