import { connect, KV, NatsConnection } from 'nats';
import { parse } from 'yaml';
import { idlPushArgs } from '../helpers/idl-files';
import { Proc, runCli, startNats } from '../helpers/processes';
import { startControlPlane, startSidecar, SidecarProc } from '../helpers/mesh';
import { startEchoServer } from '../helpers/grpc-echo-server';
import { debugSnapshot, idempotentEchoFiles, policyFile } from '../helpers/policy';
import { openBucket } from '../../src/registry/kv';
import { PolicyListing, PolicyStore } from '../../src/registry/policy-store';
import { bucketOptions, Buckets } from '../../src/registry/names';
import { encodeJson } from '../../src/registry/kv';
import { createLogger } from '../../src/log/logger';
import { awaitConfirmation } from '../../src/control-plane/policy-confirm';

jest.setTimeout(90000);

/**
 * `transmesh policy` end to end: real nats-server, control plane, providers with labels and a
 * consumer, each a separate process; apply returns once every sidecar runs the revision.
 *
 * Every test reads the policy head at its start and expects revision numbers relative to it, and
 * makes the history it needs when it is not there: a test run alone, or run again by CI's retry
 * (tests/helpers/ci-retry.ts) after an attempt that applied or rolled back, holds all the same.
 */
describe('policy from the control plane', () => {
  let nats: Awaited<ReturnType<typeof startNats>>;
  let cp: Proc;
  let echoA: Awaited<ReturnType<typeof startEchoServer>>;
  let echoB: Awaited<ReturnType<typeof startEchoServer>>;
  let v1: SidecarProc;
  let v2: SidecarProc;
  let consumer: SidecarProc;
  let nc: NatsConnection;
  let endpoints: KV;
  let policyKv: KV;
  let store: PolicyStore;
  const svc = 'mesh.test.v1.Echo';
  const cli = (...args: string[]) => runCli([...args, '--nats', nats.url]);
  const sidecars = () => [v1, v2, consumer];

  /** The service's policy as `policy ls` lists it, read from the store; undefined when it has none. */
  const head = async (): Promise<PolicyListing | undefined> => (await store.list()).find((l) => l.service === svc);
  /** The revision the next apply gets: one past the store's counter, which outlives a delete (a retried test may run after the last one). */
  const nextRevision = async () => {
    const seq = await policyKv.get(`seq.${svc}`);
    return seq?.operation === 'PUT' ? Number(seq.string()) + 1 : 1;
  };
  const apply = async (doc: string) => expect((await cli('policy', 'apply', policyFile(doc))).code).toBe(0);
  /** Makes `docs` the latest revisions, in this order, the last one current: applies them unless they already are. */
  const latest = async (...docs: string[]): Promise<PolicyListing> => {
    const h = await head();
    const kept = h?.revisions.slice(-docs.length) ?? [];
    const yamls = await Promise.all(kept.map(async (r) => (await store.doc(svc, r)).yaml.trimEnd()));
    if (h && h.revision === kept[kept.length - 1] && yamls.join('\0') === docs.map((d) => d.trimEnd()).join('\0')) return h;
    for (const d of docs) await apply(d);
    return (await head())!;
  };
  /** Makes sure a policy is there, its current revision the latest, with at least `n` revisions kept. */
  const history = async (n: number): Promise<PolicyListing> => {
    let h = await head();
    while (!h || h.revision !== Math.max(...h.revisions) || h.revisions.length < n) {
      await apply(canary(10));
      h = await head();
    }
    return h;
  };

  const canary = (v2Weight: number) => `# canary
service: ${svc}
subsets:
  v1: {version: v1}
  v2: {version: v2}
defaults:
  timeout: 2s
  retry: {attempts: 3, on: [UNAVAILABLE]}
methods:
  Echo: {timeout: 300ms}
routes:
  - match: {headers: {x-canary: "1"}}
    to: {v2: 100}
  - to: {v1: ${100 - v2Weight}, v2: ${v2Weight}}
`;

  beforeAll(async () => {
    nats = await startNats();
    cp = await startControlPlane(nats.url);
    expect((await cli('idl', 'push', ...idlPushArgs(idempotentEchoFiles(), 'echo.proto'))).code).toBe(0);
    [echoA, echoB] = await Promise.all([startEchoServer('A'), startEchoServer('B')]);
    v1 = await startSidecar(nats.url, 'echo', [`${svc}=grpc://127.0.0.1:${echoA.port}`], {}, ['--label', 'version=v1', '--label', 'zone=a']);
    v2 = await startSidecar(nats.url, 'echo', [`${svc}=grpc://127.0.0.1:${echoB.port}`], {}, ['--label', 'version=v2']);
    consumer = await startSidecar(nats.url, 'php-app');
    await consumer.proc.waitFor((l) => l.msg === 'endpoints snapshot' && l.endpoints.length === 2, 'both providers in discovery');
    nc = await connect({ servers: nats.url });
    endpoints = await openBucket(nc.jetstream(), Buckets.endpoints, bucketOptions[Buckets.endpoints]);
    policyKv = await openBucket(nc.jetstream(), Buckets.policy, bucketOptions[Buckets.policy]);
    store = new PolicyStore(policyKv);
  });

  afterAll(async () => {
    await nc?.close();
    await Promise.all([consumer?.proc.stop(), v1?.proc.stop(), v2?.proc.stop()]);
    await cp?.stop();
    await Promise.all([echoA?.stop(), echoB?.stop()]);
    await nats?.stop();
  });

  test('labels are announced in discovery and shown by /debug/snapshot; a consumer announces itself but is never a provider', async () => {
    const snap = await debugSnapshot(consumer.admin);
    const eps = snap.endpoints[svc] as Array<{ app: string; labels: Record<string, string> }>;
    expect(eps.map((e) => e.labels).sort((a, b) => a.version.localeCompare(b.version))).toEqual([{ version: 'v1', zone: 'a' }, { version: 'v2' }]);
    expect((await debugSnapshot(v1.admin)).labels).toEqual({ version: 'v1', zone: 'a' });
    expect(snap.labels).toEqual({});
    const apps: string[] = [];
    for await (const k of await endpoints.keys()) apps.push(k);
    expect(apps.filter((k) => k.startsWith('php-app.'))).toHaveLength(1);
    expect(Object.values(snap.endpoints).flat().some((e: any) => e.app === 'php-app')).toBe(false);
  });

  test('idl show says which methods the IDL marks idempotent', async () => {
    const show = await cli('idl', 'show', svc);
    expect(show.stdout).toContain(`POST /${svc}/Echo  (idempotent)`);
    expect(show.stdout).toMatch(new RegExp(`POST /${svc.replace(/\./g, '\\.')}/Fail\n`));
  });

  test('a bad flag is exit 2; a label key given twice too', async () => {
    expect((await cli('policy', 'apply', policyFile(canary(10)), '--wait-timeout', 'soon')).code).toBe(2);
    const twice = await runCli(['sidecar', '--app', 'x', '--label', 'a=1', '--label', 'a=2', '--nats', nats.url]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('label "a" is given twice');
  });

  test('apply returns once every live sidecar runs the new revision: a call right after sees it', async () => {
    const first = await nextRevision();
    const res = await cli('policy', 'apply', policyFile(canary(10)));
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(`${svc}: revision ${first} applied by 3 sidecars`);
    for (const s of sidecars()) expect((await debugSnapshot(s.admin)).policyRevisions).toEqual({ [svc]: first });

    const json = await cli('policy', 'apply', policyFile(canary(50)), '--json');
    expect(json.code).toBe(0);
    const out = JSON.parse(json.stdout);
    expect(out.applied).toEqual([{ service: svc, revision: first + 1, previous: first, appliedAt: expect.any(String) }]);
    expect(out.confirmed).toHaveLength(3);
    expect(out.confirmed.filter((n: string) => n.startsWith('echo/'))).toHaveLength(2);
    for (const s of sidecars()) expect((await debugSnapshot(s.admin)).policyRevisions).toEqual({ [svc]: first + 1 });
  });

  test('a bad document is refused whole, with every problem and its place on stderr, and nothing changes', async () => {
    const before = await latest(canary(50));
    // Shape problems (an unknown field, a bad duration) and meaning problems (methods, subsets) in one go.
    const bad = `
service: ${svc}
subsets: {v1: {version: v1}}
colour: blue
methods:
  Nope: {timeout: 1s}
  Fail: {retry: {on: [UNAVAILABLE]}, timeout: 5 parsecs}
routes:
  - to: {v1: 50, v3: 40}
quotas: [{caller: web, methods: [Gone], limit: 1, per: second}]
`;
    const res = await cli('policy', 'apply', policyFile(bad));
    expect(res.code).toBe(1);
    const lines = res.stderr.split('\n');
    expect(lines[0]).toBe('transmesh: policy refused: 7 problems');
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^methods\.Fail\.timeout: not a duration/),
      'colour: unknown field',
      `methods.Nope: no method Nope in ${svc}`,
      expect.stringMatching(/^methods\.Fail\.retry\.on: Fail is not idempotent in the IDL/),
      'routes[0].to.v3: no subset v3',
      'routes[0].to: weights sum to 90, not 100',
      `quotas[0].methods[0]: no method Gone in ${svc}`,
    ]);
    const ls = await cli('policy', 'ls', '--json');
    expect(JSON.parse(ls.stdout)).toEqual([{ service: svc, revision: before.revision, appliedAt: before.appliedAt, revisions: before.revisions, lastChange: { how: 'apply', at: before.lastChange!.at, by: expect.stringMatching(/^.+@.+$/) } }]);
    const unknown = await cli('policy', 'apply', policyFile('service: no.Such.Service\n'));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('service: no service no.Such.Service in the IDL registry');
  });

  test('--dry-run prints the change and stores nothing; a subset with no live provider is a warning', async () => {
    const before = await latest(canary(50));
    const doc = canary(100).replace('  v2: {version: v2}', '  v2: {version: v2}\n  v3: {version: v3}');
    const res = await cli('policy', 'apply', policyFile(doc), '--dry-run');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`${svc}: changes to revision ${before.revision} (dry run, nothing stored)`);
    expect(res.stdout).toContain('-   - to: {v1: 50, v2: 50}');
    expect(res.stdout).toContain('+   - to: {v1: 0, v2: 100}');
    expect(res.stdout).toContain('+   v3: {version: v3}');
    expect(res.stderr).toContain(`warning: subsets.v3: matches no live provider of ${svc}`);
    expect(JSON.parse((await cli('policy', 'ls', '--json')).stdout)[0].revision).toBe(before.revision);
  });

  test('show prints the YAML as stored (any revision); faults get an absolute expiresAt', async () => {
    const h = await latest(canary(10), canary(50));
    const show = await cli('policy', 'show', svc);
    expect(show.code).toBe(0);
    expect(show.stdout).toBe(canary(50).trimEnd());
    expect((await cli('policy', 'show', svc, '--revision', String(h.revisions[h.revisions.length - 2]))).stdout).toContain('to: {v1: 90, v2: 10}');
    const next = await nextRevision();
    expect((await cli('policy', 'show', svc, '--revision', String(next))).stderr).toContain(`has no policy revision ${next}`);

    const before = Date.now();
    const withFault = `${canary(50)}faults:\n  - match: {headers: {x-chaos: "1"}}\n    abort: {code: UNAVAILABLE, percent: 5}\n    expires: 2h\n`;
    expect((await cli('policy', 'apply', policyFile(withFault))).code).toBe(0);
    const stored = parse((await cli('policy', 'show', svc)).stdout);
    const at = Date.parse(stored.faults[0].expiresAt);
    expect(at).toBeGreaterThanOrEqual(before + 2 * 3600_000);
    expect(at).toBeLessThanOrEqual(Date.now() + 2 * 3600_000);
    const json = JSON.parse((await cli('policy', 'show', svc, '--json')).stdout);
    expect(json).toMatchObject({ service: svc, revision: next, document: { faults: [{ expires: '2h', expiresAt: stored.faults[0].expiresAt }] } });
  });

  test('rollback makes the previous or named revision current on every sidecar; ls shows it', async () => {
    const h = await history(3);
    const [older, previous, current] = h.revisions.slice(-3);
    const back = await cli('policy', 'rollback', svc);
    expect(back.code).toBe(0);
    expect(back.stdout).toMatch(`${svc}: revision ${previous} is current (was ${current})`);
    for (const s of sidecars()) expect((await debugSnapshot(s.admin)).policyRevisions).toEqual({ [svc]: previous });
    expect((await cli('policy', 'rollback', svc, '--to', String(older))).code).toBe(0);
    for (const s of sidecars()) expect((await debugSnapshot(s.admin)).policyRevisions).toEqual({ [svc]: older });
    const ls = await cli('policy', 'ls');
    expect(ls.stdout.split('\n')[1]).toMatch(new RegExp(`^${svc.replace(/\./g, '\\.')}\\s+${older}\\s+\\d{4}-`));
    expect((await cli('policy', 'rollback', svc, '--to', String(await nextRevision()))).code).toBe(1);
  });

  test('a live sidecar that never reports makes apply fail after --wait-timeout, naming it as app/instance', async () => {
    // A sidecar that heartbeats but does not run policies (an old version, or one stuck).
    // After a rollback too, an apply takes the next number, not the one after the current revision.
    const next = await nextRevision();
    const ghost = { instance: 'ghost-1', app: 'ghost', address: '127.0.0.1:1', services: [], labels: {}, policies: {}, policyErrors: {}, heartbeatMs: 60_000 };
    await endpoints.put('ghost-1', encodeJson(ghost));
    try {
      const res = await cli('policy', 'apply', policyFile(canary(10)), '--wait-timeout', '1s');
      expect(res.code).toBe(1);
      expect(res.stderr.split('\n')).toEqual([expect.stringMatching(new RegExp(`revision ${next} of mesh\\.test\\.v1\\.Echo stored, but 1 sidecar has not applied it`)), 'ghost/ghost-1: did not confirm within 1000 ms']);
      // The real sidecars run it all the same.
      for (const s of sidecars()) expect((await debugSnapshot(s.admin)).policyRevisions).toEqual({ [svc]: next });
    } finally {
      await endpoints.delete('ghost-1');
    }
  });

  test('a revision a sidecar cannot load leaves it on the last good one, and it reports the error', async () => {
    const good = (await history(1)).revision;
    // A head pointing at a revision whose document is not there: what a half-written store would look like.
    const missing = good + 1000;
    const stored = JSON.parse(new TextDecoder().decode((await policyKv.get(`service.${svc}`))!.value));
    await policyKv.put(`service.${svc}`, encodeJson({ ...stored, current: missing, revisions: [...stored.revisions, { revision: missing, appliedAt: new Date().toISOString() }] }));
    try {
      const res = await awaitConfirmation(endpoints, new Map([[svc, missing]]), 10_000, createLogger('test'));
      expect(res.confirmed).toEqual([]);
      expect(res.failed).toHaveLength(3);
      for (const f of res.failed) expect(f).toMatch(new RegExp(`^(echo|php-app)/\\S+: mesh\\.test\\.v1\\.Echo revision ${missing}: revision ${missing} is missing from the store$`));
      for (const s of sidecars()) expect((await debugSnapshot(s.admin)).policyRevisions).toEqual({ [svc]: good });
    } finally {
      // Put back even when the checks fail, so later tests (and a retry) start from a good head.
      await policyKv.put(`service.${svc}`, encodeJson(stored));
    }
    expect((await awaitConfirmation(endpoints, new Map([[svc, good]]), 10_000, createLogger('test'))).failed).toEqual([]);
  });

  test('delete removes the policy everywhere; a sidecar started after apply loads the current revision', async () => {
    const h = await history(1);
    const late = await startSidecar(nats.url, 'late-app');
    try {
      expect((await debugSnapshot(late.admin)).policyRevisions).toEqual({ [svc]: h.revision });
      const del = await cli('policy', 'delete', svc, '--json');
      expect(del.code).toBe(0);
      expect(JSON.parse(del.stdout)).toMatchObject({ service: svc, previous: h.revision, confirmed: expect.arrayContaining([expect.stringMatching(/^late-app\//)]) });
      for (const s of [...sidecars(), late]) expect((await debugSnapshot(s.admin)).policyRevisions).toEqual({});
      expect(JSON.parse((await cli('policy', 'ls', '--json')).stdout)).toEqual([]);
      expect((await cli('policy', 'show', svc)).code).toBe(1);
      // Revisions keep counting after a delete, so a number never names two documents.
      const again = await cli('policy', 'apply', policyFile(canary(10)));
      expect(again.stdout).toBe(`${svc}: revision ${Math.max(...h.revisions) + 1} applied by 4 sidecars`);
    } finally {
      await late.proc.stop();
    }
  });
});
