import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/processes';
import { call } from '../helpers/mesh';
import { CaMesh, echoService, startCaMesh } from '../helpers/ca-mesh';

jest.setTimeout(90000);

/**
 * `access` end to end on an mTLS mesh: a policy applied with `transmesh policy apply` reaches the
 * provider's sidecar, which decides on the caller its certificate proves.
 */
describe('access policy at the provider sidecar', () => {
  const svc = echoService;
  let mesh: CaMesh;
  const dir = mkdtempSync(join(tmpdir(), 'transmesh-access-'));
  const apply = async (mode: 'enforce' | 'audit') => {
    const file = join(dir, `${mode}.yaml`);
    writeFileSync(file, `service: ${svc}\naccess:\n  mode: ${mode}\n  allow:\n    - {callers: [web], methods: [Echo]}\n`);
    const res = await runCli(['policy', 'apply', file, '--nats', mesh.nats.url]);
    expect(res).toMatchObject({ code: 0 });
  };
  /** The provider's access decisions, `{caller,decision,mode}` → count; a test compares with the counts before it, so a retried one holds too. */
  const decisions = async () => {
    const text = await (await fetch(`${mesh.provider.admin}/metrics`)).text();
    const counts: Record<string, number> = {};
    for (const m of text.matchAll(/^transmesh_access_decisions_total\{caller="([^"]*)",service="([^"]*)",method="Echo",decision="(\w+)",mode="(\w+)"\} (\d+)$/gm)) {
      if (m[2] === svc) counts[`${m[1]},${m[3]},${m[4]}`] = Number(m[5]);
    }
    return counts;
  };
  const added = (before: Record<string, number>, after: Record<string, number>) => Object.fromEntries(Object.entries(after).map(([k, n]) => [k, n - (before[k] ?? 0)]).filter(([, n]) => n));

  beforeAll(async () => {
    mesh = await startCaMesh();
  });

  afterAll(async () => {
    await mesh?.stop();
  });

  test('enforce: allowed calls go through; others are PERMISSION_DENIED naming the caller and the method, whatever header they send', async () => {
    await apply('enforce');
    const before = await decisions();
    expect((await call(mesh.web.url, `/${svc}/Echo`, { text: 'ok' })).status).toBe(200);
    const denied = await call(mesh.other.url, `/${svc}/Echo`, { text: 'no' }, { 'x-transmesh-caller': 'web' });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatchObject({ code: 'PERMISSION_DENIED', message: `access denied: caller other may not call ${svc}/Echo` });
    const otherMethod = await call(mesh.web.url, `/${svc}/Fail`, { code: 5, message: 'x' });
    expect(otherMethod.status).toBe(403);
    expect(otherMethod.body.error.message).toBe(`access denied: caller web may not call ${svc}/Fail`);
    expect(added(before, await decisions())).toEqual({ 'web,allow,enforce': 1, 'other,deny,enforce': 1 });
  });

  test('audit: nothing is denied, what would be is counted', async () => {
    await apply('audit');
    const before = await decisions();
    expect((await call(mesh.other.url, `/${svc}/Echo`, { text: 'audited' })).status).toBe(200);
    expect(added(before, await decisions())).toEqual({ 'other,deny,audit': 1 });
  });
});
