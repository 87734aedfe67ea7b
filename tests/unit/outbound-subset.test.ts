import { SnapshotCell } from '../../src/snapshot/snapshot-cell';
import { emptyEndpoints, Endpoint, EndpointsSnapshot } from '../../src/snapshot/snapshots';
import type { Match, Route } from '../../src/policy/service-policy';
import { PolicyMetrics } from '../../src/telemetry/policy-metrics';
import { compose, OutboundCall } from '../../src/sidecar/outbound/call';
import { subsetLayer } from '../../src/sidecar/outbound/subset-layer';
import { balanceLayer } from '../../src/sidecar/outbound/balance-layer';
import { Breaker } from '../../src/sidecar/outbound/breaker';
import { LoadStats } from '../../src/sidecar/outbound/load-stats';
import { endpoint, FakeEnv, newCall, okPeer, peerRequest, servicePolicy, withPolicy } from '../helpers/outbound-fixtures';

const anyMatch: Match = { headers: [], callers: new Set(), methods: new Set() };
const subsets = new Map([
  ['v1', [['version', 'v1']] as const],
  ['v2', [['version', 'v2']] as const],
  ['v3', [['version', 'v3']] as const],
]);

function route(to: Array<[string, number]>, match: Partial<Match> = {}): Route {
  let sum = 0;
  return { match: { ...anyMatch, ...match }, to: to.map(([subset, w]) => ({ subset, upTo: (sum += w) })) };
}

/** The subset layer over the balancer, ending at a stub provider that records who was called. */
function setup(routes: Route[], providers: Endpoint[], seed = 7) {
  const env = new FakeEnv(seed);
  const metrics = new PolicyMetrics();
  const endpoints = new SnapshotCell<EndpointsSnapshot>(emptyEndpoints);
  endpoints.swap({ byService: new Map([['pkg.Svc', providers]]) });
  const policy = servicePolicy({ subsets, routes });
  const picked: string[] = [];
  const peer = balanceLayer(endpoints, new Breaker(metrics), new LoadStats(), env)(async (req) => (picked.push(req.endpoint!.instance), okPeer));
  const handler = compose([subsetLayer(env, metrics)], async (call: OutboundCall) => {
    await peer(peerRequest(call));
    return { json: call.policy!.subset?.name ?? '(all)', metadata: {} };
  });
  const call = async (over: Partial<OutboundCall> = {}) => (await handler(withPolicy(newCall(over), policy))).json;
  return { call, picked, metrics };
}

const fleet = [endpoint('a1', { version: 'v1', zone: 'x' }), endpoint('a2', { version: 'v1' }), endpoint('b1', { version: 'v2', zone: 'y' })];

test('weights split calls between subsets within tolerance (seeded draws)', async () => {
  const { call, picked, metrics } = setup([route([['v1', 90], ['v2', 10]])], fleet);
  const n = 5000;
  const to: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const s = await call();
    to[s] = (to[s] ?? 0) + 1;
  }
  expect(to.v2 / n).toBeGreaterThan(0.08);
  expect(to.v2 / n).toBeLessThan(0.12);
  expect(to.v1 + to.v2).toBe(n);
  // Each call went to a provider of its subset, and only those.
  expect(picked.filter((p) => p === 'b1').length).toBe(to.v2);
  expect(metrics.value('transmesh_subset_calls_total', 'service="pkg.Svc",subset="v2"')).toBe(to.v2);
});

test('the first matching route wins: headers the app sent, the calling app, the method', async () => {
  const { call } = setup(
    [
      route([['v2', 100]], { headers: [['x-canary', '1']] }),
      route([['v3', 100]], { callers: new Set(['admin']), methods: new Set(['Put']) }),
      route([['v1', 100]], { methods: new Set(['Get']) }),
    ],
    [...fleet, endpoint('c1', { version: 'v3' })],
  );
  expect(await call({ headers: { 'x-canary': '1' } })).toBe('v2');
  expect(await call({ headers: { 'x-canary': ['1', '2'] } })).toBe('v2');
  expect(await call({ headers: { 'x-canary': '0' } })).toBe('v1');
  expect(await call({ caller: 'admin', method: 'Put' })).toBe('v3');
  expect(await call({ caller: 'web', method: 'Put' })).toBe('(all)');
  expect(await call({ caller: 'admin', method: 'Get' })).toBe('v1');
});

test('no route matching means every provider', async () => {
  const { call, picked } = setup([route([['v2', 100]], { headers: [['x-canary', '1']] })], fleet);
  for (let i = 0; i < 60; i++) expect(await call()).toBe('(all)');
  expect(new Set(picked)).toEqual(new Set(['a1', 'a2', 'b1']));
});

test('a subset is the providers carrying every label it names (other labels do not matter)', async () => {
  const { call, picked } = setup([route([['v1', 100]])], fleet);
  for (let i = 0; i < 40; i++) await call();
  expect(new Set(picked)).toEqual(new Set(['a1', 'a2']));
});

test('a routed subset with no live provider is UNAVAILABLE naming the subset', async () => {
  const { call } = setup([route([['v3', 100]])], fleet);
  await expect(call()).rejects.toMatchObject({ code: 'UNAVAILABLE', message: 'no provider of pkg.Svc in subset "v3" (version=v3) is up' });
});

test('a route to a subset the policy does not define sends the call nowhere, saying why', async () => {
  const { call, picked } = setup([route([['v7', 100]])], fleet);
  await expect(call()).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('subset "v7", which it does not define') });
  expect(picked).toEqual([]);
});
