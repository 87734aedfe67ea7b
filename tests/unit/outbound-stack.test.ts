import type { ServicePolicy } from '../../src/policy/service-policy';
import { AccessLog } from '../../src/telemetry/access-log';
import { createAdminServer } from '../../src/sidecar/admin/admin-server';
import type { PeerResponse } from '../../src/transport/grpc/h2-client';
import { endpoint, FakeEnv, stubModel, stubStack, methodSettings, newCall, okPeer, servicePolicy } from '../helpers/outbound-fixtures';

const model = stubModel('Get');
const anyMatch = { headers: [], callers: new Set<string>(), methods: new Set<string>() };

/** The whole outbound stack as the Sidecar composes it, over a stub peer client that records each attempt's target. */
function setup(policy: ServicePolicy | undefined, answer: (address: string, headers: Record<string, unknown>) => PeerResponse | Promise<PeerResponse> = () => okPeer) {
  const env = new FakeEnv(21);
  const attempts: Array<{ address: string; attempt: unknown }> = [];
  const providers = [endpoint('old', { version: 'v1' }), endpoint('new', { version: 'v2' })];
  const { handler, metrics, policies, endpoints, idl, breaker } = stubStack({
    model,
    providers,
    policy,
    env,
    peers: {
      call: async (address, headers) => {
        attempts.push({ address, attempt: headers['x-transmesh-attempt'] });
        return answer(address, headers as Record<string, unknown>);
      },
    },
  });
  return { handler, attempts, metrics, policies, endpoints, idl, breaker, env };
}

const canary = servicePolicy({
  revision: 3,
  subsets: new Map([
    ['v1', [['version', 'v1']] as const],
    ['v2', [['version', 'v2']] as const],
  ]),
  routes: [{ match: { ...anyMatch, headers: [['x-canary', '1']] }, to: [{ subset: 'v2', upTo: 100 }] }, { match: anyMatch, to: [{ subset: 'v1', upTo: 100 }] }],
  defaults: methodSettings({ retry: { attempts: 3, on: new Set(['UNAVAILABLE']) } }),
});

test('a policy routes, retries idempotent codes and reports its revision; its absence sends calls everywhere', async () => {
  const { handler, attempts, metrics } = setup(canary, (address) => (address === 'new:1' && attempts.length === 1 ? { ...okPeer, status: 14 } : okPeer));
  await handler(newCall({ headers: { 'x-canary': '1' } }));
  expect(attempts).toEqual([
    { address: 'new:1', attempt: '1' },
    { address: 'new:1', attempt: '2' },
  ]);
  await handler(newCall());
  expect(attempts[2].address).toBe('old:1');
  const text = metrics.render();
  expect(text).toContain('transmesh_policy_revision{service="pkg.Svc"} 3');
  expect(text).toContain('transmesh_retries_total{service="pkg.Svc",reason="UNAVAILABLE"} 1');
  expect(text).toContain('transmesh_subset_calls_total{service="pkg.Svc",subset="v2"} 1');

  const plain = setup(undefined);
  for (let i = 0; i < 20; i++) await plain.handler(newCall());
  expect(new Set(plain.attempts.map((a) => a.address))).toEqual(new Set(['old:1', 'new:1']));
});

test('an injected abort is never retried and never reaches a provider', async () => {
  const chaos = servicePolicy({ ...canary, faults: [{ match: anyMatch, delay: undefined, abort: { code: 'UNAVAILABLE', percent: 100 }, expiresAt: Number.MAX_SAFE_INTEGER }] });
  const { handler, attempts } = setup(chaos);
  await expect(handler(newCall())).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('fault injected') });
  expect(attempts).toEqual([]);
});

test('a policy applied while a call is in flight does not change or fail that call', async () => {
  let release!: () => void;
  const { handler, attempts, policies } = setup(canary, () => new Promise<PeerResponse>((r) => (release = () => r(okPeer))));
  const pending = handler(newCall({ headers: { 'x-canary': '1' } }));
  await new Promise((r) => setImmediate(r));
  const v9 = new Map([...canary.subsets, ['v9', [['version', 'v9']] as const]]);
  policies.swap({ byService: new Map([['pkg.Svc', servicePolicy({ revision: 4, subsets: v9, routes: [{ match: anyMatch, to: [{ subset: 'v9', upTo: 100 }] }] })]]) });
  release();
  await expect(pending).resolves.toEqual({ json: '{}', metadata: {} });
  expect(attempts.map((a) => a.address)).toEqual(['new:1']);
  await expect(handler(newCall())).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('subset "v9"') });
});

test('the breaker ejects a failing provider and keeps it out across a policy revision; the stack answers with the one left', async () => {
  const breakerPolicy = servicePolicy({ revision: 1, defaults: methodSettings({ breaker: { consecutiveFailures: 2, ejectForMs: 30_000, maxEjected: 0.5 } }) });
  const { handler, attempts, policies, breaker, env, endpoints } = setup(breakerPolicy, (address) => (address === 'old:1' ? { ...okPeer, status: 13, message: 'bug' } : okPeer));
  for (let i = 0; i < 12; i++) await handler(newCall()).catch(() => undefined);
  expect(breaker.isEjected('old:1', env.now())).toBe(true);
  policies.swap({ byService: new Map([['pkg.Svc', servicePolicy({ ...breakerPolicy, revision: 2 })]]) });
  const before = attempts.length;
  for (let i = 0; i < 10; i++) await handler(newCall());
  expect(attempts.slice(before).every((a) => a.address === 'new:1')).toBe(true);
  // A provider that leaves discovery is forgotten; back later, it starts with a clean slate.
  endpoints.swap({ byService: new Map([['pkg.Svc', [endpoint('new', { version: 'v2' })]]]) });
  expect(breaker.ejected(env.now())).toEqual({});
});

test('/debug/snapshot shows the compiled policies (sets and maps as arrays and objects) and the ejections', async () => {
  const { idl, endpoints, policies, metrics, breaker } = setup(canary);
  const admin = createAdminServer({ metrics, accessLog: new AccessLog(), idl, endpoints, policies, ejected: () => breaker.ejected(Date.now()), info: () => ({}), draining: () => false });
  const base = await admin.listen({ host: '127.0.0.1', port: 0 });
  const body = (await (await fetch(`${base}/debug/snapshot`)).json()) as any;
  await admin.close();
  const p = body.policies['pkg.Svc'];
  expect(p.revision).toBe(3);
  expect(p.subsets).toEqual({ v1: [['version', 'v1']], v2: [['version', 'v2']] });
  expect(p.defaults.retry).toEqual({ attempts: 3, on: ['UNAVAILABLE'] });
  expect(p.routes[0].match).toEqual({ headers: [['x-canary', '1']], callers: [], methods: [] });
  expect(body.endpoints['pkg.Svc'][0].labels).toEqual({ version: 'v1' });
  expect(body.ejected).toEqual({});
});
