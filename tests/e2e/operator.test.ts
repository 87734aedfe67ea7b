import { connect, type KV, type NatsConnection } from 'nats';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { idlPushArgs } from '../helpers/idl-files';
import { freePort, Proc, runCli, startNats } from '../helpers/processes';
import { call, startControlPlane, startSidecar, SidecarProc } from '../helpers/mesh';
import { echoFiles, startEchoServer } from '../helpers/grpc-echo-server';
import { policyFile } from '../helpers/policy';
import { dumpDom, screenshot } from '../helpers/chromium';
import { probeResult, startDashboardProbe } from '../helpers/dashboard-probe';

jest.setTimeout(120000);

const echo = 'mesh.test.v1.Echo';
/** The policy in force once the old sidecar is there: a canary split, access and a quota. */
const revision2 = `service: mesh.test.v1.Echo
subsets: {stable: {version: v1}, canary: {version: v2}}
defaults: {timeout: 3s}
routes:
  - match: {callers: [web-app]}
    to: {canary: 100}
  - to: {stable: 90, canary: 10}
access:
  mode: enforce
  allow:
    - {callers: [php-app], methods: ['*']}
    - {callers: [web-app], methods: [Echo]}
quotas:
  - {caller: php-app, limit: 10000, per: hour}
`;
/** A second service in the same bundle; the grpc-js provider does not implement it, so its calls fail (UNIMPLEMENTED). */
const mirror = 'mesh.test.v1.Mirror';

/**
 * An operator's first hour against a real mesh: nats-server, a control plane, a provider sidecar
 * in front of grpc-js, two consumer sidecars; `transmesh check` and `status` as processes; the
 * dashboard in headless Chromium.
 */
describe('transmesh check, status and the dashboard', () => {
  let nats: Awaited<ReturnType<typeof startNats>>;
  let cp: Proc & { admin?: string };
  let server: Awaited<ReturnType<typeof startEchoServer>>;
  let provider: SidecarProc;
  let canary: SidecarProc;
  let phpApp: SidecarProc;
  let webApp: SidecarProc;
  let nc: NatsConnection;
  let oldSidecar: { stop(): Promise<void> } | undefined;
  /** The policy revision the old sidecar stays on (the test that makes it reads it from apply's answer). */
  let oldRevision = 0;

  const check = (...args: string[]) => runCli(['check', '--nats', nats.url, ...args]);
  const statusJson = async () => JSON.parse((await runCli(['status', '--nats', nats.url, '--json'])).stdout);

  beforeAll(async () => {
    nats = await startNats();
    cp = await startControlPlane(nats.url);
    const files = echoFiles();
    files['echo.proto'] += '\nservice Mirror {\n  rpc Echo(EchoRequest) returns (EchoReply);\n}\n';
    const pushed = await runCli(['idl', 'push', ...idlPushArgs(files, 'echo.proto'), '--nats', nats.url]);
    expect(pushed.code).toBe(0);
    server = await startEchoServer('A');
    provider = await startSidecar(nats.url, 'echo-a', [`${echo}=grpc://127.0.0.1:${server.port}`, `${mirror}=grpc://127.0.0.1:${server.port}`], {}, ['--label', 'version=v1']);
    canary = await startSidecar(nats.url, 'echo-b', [`${echo}=grpc://127.0.0.1:${server.port}`], {}, ['--label', 'version=v2']);
    phpApp = await startSidecar(nats.url, 'php-app');
    webApp = await startSidecar(nats.url, 'web-app');
    await phpApp.proc.waitFor((l) => l.msg === 'endpoints snapshot' && l.endpoints.length === 2, 'both provider sidecars in discovery');
    nc = await connect({ servers: nats.url });
  });

  afterAll(async () => {
    await oldSidecar?.stop();
    await nc?.close();
    await Promise.all([phpApp?.proc.stop(), webApp?.proc.stop(), provider?.proc.stop(), canary?.proc.stop()]);
    await cp?.stop();
    await server?.stop();
    await nats?.stop();
  });

  test('on a healthy mesh every check passes, one line each', async () => {
    const res = await check();
    expect(res.stdout).not.toContain('✖');
    expect(res.code).toBe(0);
    const lines = res.stdout.split('\n');
    for (const what of [`NATS seed ${nats.url}: answers`, 'JetStream: enabled', 'bucket transmesh_idl: present', 'bucket transmesh_endpoints: present', 'bucket transmesh_policy: present', 'control plane: answers', 'mesh CA: none', 'clock: within', 'providers: every service in the registry has a live provider (2)', 'sidecars: 4 live, all on the current IDL and policy revisions']) {
      expect([what, lines.filter((l) => l.startsWith(`✔ ${what}`)).length, res.stdout]).toEqual([what, 1, res.stdout]);
    }
    expect(lines[lines.length - 1]).toBe('all checks passed');
    const json = JSON.parse((await check('--json')).stdout);
    expect(json.ok).toBe(true);
    expect(json.checks.every((c: { ok: boolean }) => c.ok)).toBe(true);
  });

  test('status lists every sidecar with version, uptime, revisions and its calls/s', async () => {
    for (let i = 0; i < 20; i++) expect((await call(phpApp.url, `/${echo}/Echo`, { text: `s${i}` })).status).toBe(200);
    // Wait for the control plane to have heard php-app's calls (sidecars report every 200 ms in tests).
    let status: any;
    for (let i = 0; i < 100; i++) {
      status = await statusJson();
      if (status.sidecars.find((s: any) => s.app === 'php-app')?.rps > 0) break;
    }
    const byApp = Object.fromEntries(status.sidecars.map((s: any) => [s.app, s]));
    expect(Object.keys(byApp).sort()).toEqual(['echo-a', 'echo-b', 'php-app', 'web-app']);
    expect(byApp['php-app']).toMatchObject({ version: expect.stringMatching(/^\d+\.\d+\.\d+/), idl: { [echo]: 1, [mirror]: 1 }, staleIdl: [], stalePolicy: [], certNotAfter: null, failureRate: 0 });
    expect(byApp['php-app'].rps).toBeGreaterThan(0);
    expect(byApp['php-app'].uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(byApp['echo-a'].services.sort()).toEqual([echo, mirror]);
    const text = await runCli(['status', '--nats', nats.url]);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')[0]).toMatch(/^SIDECAR\s+ADDRESS\s+VERSION\s+UPTIME\s+IDL\s+POLICY\s+CERT EXPIRES\s+CALLS\/S\s+FAILURES$/);
    expect(text.stdout).toMatch(new RegExp(`^php-app/${byApp['php-app'].instance}\\s`, 'm'));
  });

  test('a sidecar on an old policy revision fails the check, named with what it runs; status marks it', async () => {
    // Revision numbers come from apply's answers: a retried test applies again and gets the next ones,
    // without the old sidecar of its first attempt (apply would wait for it).
    await oldSidecar?.stop();
    const first = await runCli(['policy', 'apply', policyFile(`service: ${echo}\ndefaults: {timeout: 2s}\n`), '--nats', nats.url]);
    expect(first.code).toBe(0);
    const one = Number(/revision (\d+) applied/.exec(first.stdout)?.[1]);
    // A sidecar of an older release (no version, IDL or start time in its record) that stays on that revision.
    oldSidecar = await announceOldSidecar(await nc.jetstream().views.kv('transmesh_endpoints', { bindOnly: true }), one);
    oldRevision = one;
    const two = one + 1;
    const applied = await runCli(['policy', 'apply', policyFile(revision2), '--wait-timeout', '2s', '--nats', nats.url]);
    expect(applied.stdout + applied.stderr).toContain('old-app/old-app.host-1-abc');
    expect(applied.stderr).toContain(`revision ${two} of ${echo} stored`);
    const res = await check();
    expect(res.code).toBe(1);
    const failed = res.stdout.split('\n').filter((l) => l.startsWith('✖'));
    expect(failed).toEqual([`✖ sidecar old-app/old-app.host-1-abc: runs policy ${echo} revision ${one} (current ${two}) → read its log for why it did not load them; restart it if it stays behind`]);
    const status = await statusJson();
    const old = status.sidecars.find((s: any) => s.app === 'old-app');
    expect(old).toMatchObject({ version: null, idl: null, uptimeSeconds: null, stalePolicy: [`${echo} revision ${one} (current ${two})`] });
    expect(status.sidecars.filter((s: any) => s.app !== 'old-app').every((s: any) => s.policies[echo] === two && s.stalePolicy.length === 0)).toBe(true);
    const text = await runCli(['status', '--nats', nats.url]);
    expect(text.stdout).toContain(`* old-app/old-app.host-1-abc: policy ${echo} revision ${one} (current ${two})`);
  });

  test('the dashboard, measured in headless Chromium at 1280 px: policy rows per service, labels apart, no sideways scroll, charts with data', async () => {
    const admin = cp.admin!;
    const overview = async () => (await fetch(`${admin}/api/overview`)).json() as Promise<any>;
    // Totals are compared with the ones before this test's calls, so a retried test counts only its own.
    const start = await overview();
    const startTotal = (caller: string, service: string) => start.edges.find((e: any) => e.caller === caller && e.service === service)?.total ?? 0;
    const startDenied = start.denials.find((d: any) => d.caller === 'web-app')?.total ?? 0;
    const startDeniedSpan = start.denials.find((d: any) => d.caller === 'web-app')?.span ?? 0;
    const head = (JSON.parse((await runCli(['policy', 'ls', '--json', '--nats', nats.url])).stdout) as any[]).find((p) => p.service === echo);
    // Successes and NOT_FOUND answers from php-app, failures (UNIMPLEMENTED) to Mirror, and web-app's calls
    // (its Fail refused by access): three edges, two from one caller.
    for (let i = 0; i < 10; i++) {
      expect((await call(phpApp.url, `/${echo}/Echo`, { text: `d${i}` })).status).toBe(200);
      expect((await call(phpApp.url, `/${echo}/Fail`, { code: 5, message: 'no such user' })).status).toBe(404);
      expect((await call(phpApp.url, `/${mirror}/Echo`, { text: 'x' })).status).toBe(501);
      expect((await call(webApp.url, `/${echo}/Echo`, { text: 'w' })).status).toBe(200);
      if (i % 3 === 0) expect((await call(webApp.url, `/${echo}/Fail`, { code: 5, message: 'x' })).status).toBe(403);
    }
    // Every call heard (sidecars report every 200 ms here), and a chart point: one comes when a 10 s step ends with calls in it.
    let o: any;
    for (let i = 0; i < 300; i++) {
      o = await overview();
      const heard = (caller: string, service: string, n: number) => (o.edges.find((e: any) => e.caller === caller && e.service === service)?.total ?? 0) >= startTotal(caller, service) + n;
      const all = heard('php-app', echo, 40) && heard('php-app', mirror, 10) && heard('web-app', echo, 14) && o.denials.length === 1 && o.denials[0].total === startDenied + 4;
      if (all && o.charts.edges[`php-app→${mirror}`]?.some((p: any) => p.rps > 0)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const edge = (caller: string, service: string) => o.edges.find((e: any) => e.caller === caller && e.service === service);
    // NOT_FOUND is an answer, UNIMPLEMENTED a failure.
    const echoEdge = edge('php-app', echo);
    expect(echoEdge.span.codes.NOT_FOUND).toBeGreaterThanOrEqual(10);
    expect(echoEdge.span.failureRate).toBe(0);
    expect(echoEdge.span.answerRate).toBeGreaterThan(0.2);
    expect(edge('php-app', mirror).span.failureRate).toBe(1);
    expect(o.policies).toEqual([expect.objectContaining({ service: echo, revision: head.revision, how: 'policy apply', revisions: head.revisions, behind: [{ sidecar: 'old-app/old-app.host-1-abc', revision: oldRevision }] })]);
    expect(o.policies[0].running).toHaveLength(4);
    expect(o.policies[0].by).toMatch(/^.+@.+$/);
    expect(o.policies[0].routes).toEqual(['callers=web-app → canary 100%', 'all calls → stable 90% · canary 10%']);
    expect(o.quotas).toEqual([expect.objectContaining({ service: echo, caller: 'php-app', limit: 10000, per: 'hour' })]);
    expect(o.quotas[0].used).toBeGreaterThanOrEqual(20);
    expect(o.denials).toEqual([{ caller: 'web-app', service: echo, total: startDenied + 4, span: startDeniedSpan + 4 }]);

    const probe = await startDashboardProbe(admin);
    try {
      const dumped = await dumpDom(probe.url, '1280,1000');
      const measured = probeResult(dumped);
      const html = dumped.replace(/<script>[\s\S]*?<\/script>/g, '');
      expect(measured.labels).toBe(3);
      expect(measured.overlaps).toEqual([]);
      // Alphabetical rows would cross web-app → Echo with php-app → Mirror; the layout orders them apart.
      expect(measured.lineRows.length).toBe(3);
      expect(measured.lineRows.flat().every((y) => Number.isFinite(y))).toBe(true);
      expect(measured.crossings).toBe(0);
      expect(measured.viewport).toBe(1280);
      expect(measured.scrollWidth).toBeLessThanOrEqual(measured.clientWidth);
      expect(measured.wideSections).toEqual([]);
      // One policy row per service, none named after a storage key.
      const policyRows = [...html.matchAll(/<tr data-policy="([^"]+)"/g)].map((m) => m[1]);
      expect(policyRows).toEqual([echo]);
      expect(html).not.toMatch(/data-policy="(doc|seq|service)\./);
      expect(html).toContain('data-behind="old-app/old-app.host-1-abc"');
      expect(html).toContain('all calls → stable 90% · canary 10%');
      expect(html).toContain(`data-quota="php-app→${echo}"`);
      expect(html).toContain(`data-denial="web-app→${echo}"`);
      // The charts are there, with points.
      for (const name of [`service:${echo}`, `service:${mirror}`, `edge:php-app→${echo}`, `edge:php-app→${mirror}`, `edge:web-app→${echo}`]) expect(html).toContain(`data-chart="${name}"`);
      expect(html).toMatch(/data-chart-kind="rps" data-points="[1-9]/);
      expect(html).toMatch(/<polyline fill="none" stroke="#dc2626"/);
    } finally {
      await probe.stop();
    }
    const file = process.env.TRANSMESH_DASHBOARD_SCREENSHOT ?? join(mkdtempSync(join(tmpdir(), 'transmesh-shot-')), 'dashboard.png');
    await screenshot(`${admin}/`, file, '1280,2000');
    expect(existsSync(file) && statSync(file).size > 10_000).toBe(true);
  });

  test('check turns red with the reason: a NATS seed down, a provider stopped, the control plane stopped, NATS stopped', async () => {
    await oldSidecar?.stop();
    oldSidecar = undefined;
    const dead = `nats://127.0.0.1:${await freePort()}`;
    const res = await runCli(['check', '--nats', `${nats.url},${dead}`]);
    expect(res.code).toBe(1);
    const lines = res.stdout.split('\n');
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^✖ NATS seed ${dead}: does not answer: .* → start nats-server there, or drop it from --nats`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^✔ NATS seed ${nats.url}: answers`)));
    expect(lines).toContainEqual(expect.stringMatching(/^✔ control plane: answers/));

    // echo-b still provides Echo; nobody provides Mirror once echo-a is gone.
    await provider.proc.stop();
    const noProvider = await check();
    expect(noProvider.code).toBe(1);
    expect(noProvider.stdout.split('\n').filter((l) => l.startsWith('✖'))).toEqual([
      `✖ service ${mirror}: no live provider: calls to it fail UNAVAILABLE → start its provider's sidecar (transmesh sidecar --provide ${mirror}=grpc://… or thrift://…)`,
    ]);

    await cp.stop();
    const down = await check('--json');
    expect(down.code).toBe(1);
    const failed = JSON.parse(down.stdout).checks.filter((c: any) => !c.ok);
    expect(failed.map((c: any) => c.check)).toEqual(['control plane', `service ${mirror}`]);
    expect(failed[0].fix).toBe('start transmesh control-plane against this NATS');

    // NATS itself gone: every seed fails, and nothing else can be checked.
    await nats.kill();
    const gone = await check();
    expect(gone.code).toBe(1);
    expect(gone.stdout.split('\n')).toEqual([expect.stringMatching(new RegExp(`^✖ NATS seed ${nats.url}: does not answer: .* → start nats-server there`)), '1 check(s) failed']);
  });
});

/** Puts a discovery record as a sidecar of an older release would (no version, start time or IDL), on policy `revision` of Echo, every 200 ms. */
async function announceOldSidecar(kv: KV, revision: number): Promise<{ stop(): Promise<void> }> {
  const instance = 'old-app.host-1-abc';
  const put = () => kv.put(instance, JSON.stringify({ instance, app: 'old-app', address: '127.0.0.1:1', services: [], labels: {}, policies: { [echo]: revision }, policyErrors: {}, heartbeatMs: 200 }));
  await put();
  const timer = setInterval(() => void put().catch(() => undefined), 200);
  return {
    stop: async () => {
      clearInterval(timer);
      await kv.delete(instance).catch(() => undefined);
    },
  };
}
