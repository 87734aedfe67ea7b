import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { idlPushArgs } from '../helpers/idl-files';
import { Proc, runCli, spawnCli, startNats } from '../helpers/processes';
import { call, startSidecar, SidecarProc } from '../helpers/mesh';
import { echoFiles, startEchoServer } from '../helpers/grpc-echo-server';

jest.setTimeout(90000);

/**
 * `access` end to end on an mTLS mesh: a policy applied with `transmesh policy apply` reaches the
 * provider's sidecar, which decides on the caller its certificate proves.
 */
describe('access policy at the provider sidecar', () => {
  const svc = 'mesh.test.v1.Echo';
  let nats: Awaited<ReturnType<typeof startNats>>;
  let cp: Proc;
  let echo: Awaited<ReturnType<typeof startEchoServer>>;
  let provider: SidecarProc;
  let web: SidecarProc;
  let other: SidecarProc;
  const dir = mkdtempSync(join(tmpdir(), 'transmesh-access-'));
  const caDir = join(dir, 'ca');

  const token = async (app: string) => (await runCli(['token', 'create', '--app', app, '--ca', caDir])).stdout.trim();
  const apply = async (mode: 'enforce' | 'audit') => {
    const file = join(dir, `${mode}.yaml`);
    writeFileSync(file, `service: ${svc}\naccess:\n  mode: ${mode}\n  allow:\n    - {callers: [web], methods: [Echo]}\n`);
    const res = await runCli(['policy', 'apply', file, '--nats', nats.url]);
    expect(res).toMatchObject({ code: 0 });
  };
  const decisions = async () => (await (await fetch(`${provider.admin}/metrics`)).text()).split('\n').filter((l) => l.startsWith('transmesh_access_decisions_total{'));

  beforeAll(async () => {
    nats = await startNats();
    expect((await runCli(['ca', 'init', '--out', caDir])).code).toBe(0);
    cp = spawnCli('control-plane', ['control-plane', '--nats', nats.url, '--admin', '127.0.0.1:0', '--ca', caDir]);
    await cp.waitForMsg('control plane ready');
    expect((await runCli(['idl', 'push', ...idlPushArgs(echoFiles(), 'echo.proto'), '--nats', nats.url])).code).toBe(0);
    echo = await startEchoServer('A');
    provider = await startSidecar(nats.url, 'echo-a', [`${svc}=grpc://127.0.0.1:${echo.port}`], { TRANSMESH_TOKEN: await token('echo-a') });
    web = await startSidecar(nats.url, 'web', [], { TRANSMESH_TOKEN: await token('web') });
    other = await startSidecar(nats.url, 'other', [], { TRANSMESH_TOKEN: await token('other') });
    await Promise.all([web, other].map((c) => c.proc.waitFor((l) => l.msg === 'endpoints snapshot' && l.endpoints.length >= 1, 'the provider in discovery')));
  });

  afterAll(async () => {
    await Promise.all([web?.proc.stop(), other?.proc.stop(), provider?.proc.stop()]);
    await cp?.stop();
    await echo?.stop();
    await nats?.stop();
  });

  test('enforce: allowed calls go through; others are PERMISSION_DENIED naming the caller and the method, whatever header they send', async () => {
    await apply('enforce');
    expect((await call(web.url, `/${svc}/Echo`, { text: 'ok' })).status).toBe(200);
    const denied = await call(other.url, `/${svc}/Echo`, { text: 'no' }, { 'x-transmesh-caller': 'web' });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatchObject({ code: 'PERMISSION_DENIED', message: `access denied: caller other may not call ${svc}/Echo` });
    const otherMethod = await call(web.url, `/${svc}/Fail`, { code: 5, message: 'x' });
    expect(otherMethod.status).toBe(403);
    expect(otherMethod.body.error.message).toBe(`access denied: caller web may not call ${svc}/Fail`);
    expect(await decisions()).toEqual(
      expect.arrayContaining([
        `transmesh_access_decisions_total{caller="web",service="${svc}",method="Echo",decision="allow",mode="enforce"} 1`,
        `transmesh_access_decisions_total{caller="other",service="${svc}",method="Echo",decision="deny",mode="enforce"} 1`,
      ]),
    );
  });

  test('audit: nothing is denied, what would be is counted', async () => {
    await apply('audit');
    expect((await call(other.url, `/${svc}/Echo`, { text: 'audited' })).status).toBe(200);
    expect(await decisions()).toContain(`transmesh_access_decisions_total{caller="other",service="${svc}",method="Echo",decision="deny",mode="audit"} 1`);
  });
});
