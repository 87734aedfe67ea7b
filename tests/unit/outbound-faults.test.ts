import type { Fault, Match } from '../../src/policy/service-policy';
import { PolicyMetrics } from '../../src/telemetry/policy-metrics';
import { faultLayer } from '../../src/sidecar/outbound/fault-layer';
import { FakeEnv, newCall, servicePolicy, withPolicy } from '../helpers/outbound-fixtures';
import type { OutboundCall } from '../../src/sidecar/outbound/call';

const anyMatch: Match = { headers: [], callers: new Set(), methods: new Set() };

function setup(faults: Fault[], seed = 9) {
  const env = new FakeEnv(seed);
  const metrics = new PolicyMetrics();
  let reached = 0;
  const handler = faultLayer(env, metrics)(async () => (reached++, { json: '{}', metadata: {} }));
  const policy = servicePolicy({ faults, revision: 4 });
  const call = (over: Partial<OutboundCall> = {}) => handler(withPolicy(newCall({ deadline: env.now() + 1000, ...over }), policy));
  return { env, metrics, call, reached: () => reached };
}

const fault = (over: Partial<Fault>): Fault => ({ match: anyMatch, delay: undefined, abort: undefined, expiresAt: Number.MAX_SAFE_INTEGER, ...over });

test('an abort by percent fails that share of calls with the code it names, saying it was injected', async () => {
  const { call, reached, metrics } = setup([fault({ abort: { code: 'UNAVAILABLE', percent: 10 } })]);
  let aborted = 0;
  for (let i = 0; i < 5000; i++) {
    await call().catch((err) => {
      expect(err).toMatchObject({ code: 'UNAVAILABLE', message: 'fault injected by the policy of pkg.Svc (revision 4): abort with UNAVAILABLE' });
      aborted++;
    });
  }
  expect(aborted / 5000).toBeGreaterThan(0.085);
  expect(aborted / 5000).toBeLessThan(0.115);
  expect(reached()).toBe(5000 - aborted);
  expect(metrics.value('transmesh_faults_injected_total', 'service="pkg.Svc",kind="abort",code="UNAVAILABLE"')).toBe(aborted);
});

test('a delay by percent waits on the clock and counts against the deadline', async () => {
  const { call, env } = setup([fault({ delay: { ms: 200, percent: 50 } })]);
  for (let i = 0; i < 1000; i++) await call();
  expect(env.sleeps.length).toBeGreaterThan(450);
  expect(env.sleeps.length).toBeLessThan(550);
  expect(new Set(env.sleeps)).toEqual(new Set([200]));
  const all = setup([fault({ delay: { ms: 5000, percent: 100 } })]);
  await expect(all.call()).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED', message: expect.stringContaining('delay injected') });
  expect(all.env.sleeps).toEqual([1000]);
  expect(all.reached()).toBe(0);
});

test('faults match like routes, the first match applies, and each is gone after expiresAt', async () => {
  const { call, env, reached } = setup([
    fault({ match: { ...anyMatch, headers: [['x-chaos', '1']] }, abort: { code: 'INTERNAL', percent: 100 }, expiresAt: 1_700_000_060_000 }),
    fault({ match: { ...anyMatch, callers: new Set(['web']) }, abort: { code: 'ABORTED', percent: 100 }, expiresAt: 1_700_000_060_000 }),
  ]);
  await expect(call()).resolves.toBeDefined();
  await expect(call({ headers: { 'x-chaos': '1' } })).rejects.toMatchObject({ code: 'INTERNAL' });
  await expect(call({ caller: 'web', headers: { 'x-chaos': '1' } })).rejects.toMatchObject({ code: 'INTERNAL' });
  await expect(call({ caller: 'web' })).rejects.toMatchObject({ code: 'ABORTED' });
  env.time = 1_700_000_060_000;
  await expect(call({ headers: { 'x-chaos': '1' } })).resolves.toBeDefined();
  await expect(call({ caller: 'web' })).resolves.toBeDefined();
  expect(reached()).toBe(3);
});
