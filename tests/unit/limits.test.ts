import { SnapshotCell } from '../../src/snapshot/snapshot-cell';
import { emptyPolicies, PolicySnapshot, Quota, ServicePolicy } from '../../src/policy/service-policy';
import { QuotaLedger } from '../../src/sidecar/limits/quota-ledger';
import { LimitMetrics } from '../../src/sidecar/limits/limit-metrics';
import { RateGate } from '../../src/sidecar/limits/rate-gate';
import { errorReplyFor } from '../../src/protocol/provider';
import { exhausted, MeshError } from '../../src/errors/mesh-error';
import { PeerHeaders } from '../../src/protocol/peer-headers';
import type { PeerResponse } from '../../src/transport/grpc/h2-client';
import { endpoint, FakeEnv, stubModel, stubStack, methodSettings, newCall, okPeer, servicePolicy } from '../helpers/outbound-fixtures';
import { MemorySource } from '../helpers/memory-lease-source';

const model = stubModel('Get', 'Put');

const quota = (over: Partial<Quota> = {}): Quota => ({ caller: 'app', methods: new Set(['Get']), limit: 3, per: 'minute', ...over });

/** The outbound stack as the Sidecar composes it with a ledger over an in-memory store with the KV store's semantics. */
function setup(policy: ServicePolicy, answer: (attempt: number) => PeerResponse = () => okPeer) {
  const env = new FakeEnv(3);
  env.time = Date.UTC(2026, 10, 29, 12, 0, 15, 500);
  const limits = new LimitMetrics(env.now);
  const source = new MemorySource();
  const ledger = new QuotaLedger(source, () => 1, env.now);
  let attempts = 0;
  const { handler, breaker } = stubStack({ model, providers: [endpoint('a'), endpoint('b')], policy, env, quotas: { ledger, metrics: limits }, peers: { call: async () => answer(++attempts) } });
  return { handler, limits, ledger, source, env, breaker, attempts: () => attempts };
}

async function outcome(p: Promise<unknown>): Promise<'ok' | MeshError> {
  return p.then(
    () => 'ok' as const,
    (e: MeshError) => e,
  );
}

describe('the quota layer', () => {
  test('admits the limit, then refuses with RESOURCE_EXHAUSTED, retry-after to the window end and the quota named', async () => {
    const { handler, limits, source, ledger } = setup(servicePolicy({ quotas: [quota()] }));
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await outcome(handler(newCall())));
    expect(results.slice(0, 3)).toEqual(['ok', 'ok', 'ok']);
    for (const r of results.slice(3)) {
      expect(r).toBeInstanceOf(MeshError);
      expect(r).toMatchObject({ code: 'RESOURCE_EXHAUSTED', retryAfterSeconds: 45, message: 'quota of app on pkg.Svc [Get] exhausted: 3 per minute' });
    }
    expect([...source.used.values()]).toEqual([3]);
    expect(limits.refusalCount('service="pkg.Svc",caller="app",reason="quota"')).toBe(2);
    const text = limits.render(ledger);
    expect(text).toMatch(/transmesh_quota_used\{service="pkg.Svc",caller="app",quota="minute-[0-9a-f]+",per="minute"\} 3/);
    expect(text).toMatch(/transmesh_quota_remaining\{[^}]*\} 0/);
    expect(text).toMatch(/transmesh_quota_fallback\{[^}]*\} 0/);
  });

  test('another method, another caller and another window are not limited by it', async () => {
    const { handler, env } = setup(servicePolicy({ quotas: [quota({ limit: 1 }), quota({ caller: 'other', methods: new Set(), limit: 0 })] }));
    expect(await outcome(handler(newCall()))).toBe('ok');
    expect(await outcome(handler(newCall()))).toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
    expect(await outcome(handler(newCall({ method: 'Put' })))).toBe('ok');
    env.advance(60_000);
    expect(await outcome(handler(newCall()))).toBe('ok');
  });

  test('a retry counts as a call, and a quota refusal is never retried nor counted by the breaker', async () => {
    const retrying = methodSettings({ retry: { attempts: 3, on: new Set(['UNAVAILABLE', 'RESOURCE_EXHAUSTED']) } });
    const { handler, source, attempts, breaker, env } = setup(servicePolicy({ defaults: retrying, quotas: [quota({ limit: 2 })] }), (n) => (n === 1 ? { ...okPeer, status: 14 } : okPeer));
    expect(await outcome(handler(newCall()))).toBe('ok');
    expect(attempts()).toBe(2);
    expect([...source.used.values()]).toEqual([2]);
    expect(await outcome(handler(newCall()))).toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
    expect(attempts()).toBe(2);
    expect(breaker.ejected(env.now())).toEqual({});
  });

  test("a provider sidecar's rate-limit refusal keeps its retry-after, and is neither retried nor a breaker failure", async () => {
    const retrying = methodSettings({ retry: { attempts: 3, on: new Set(['RESOURCE_EXHAUSTED']) }, breaker: { consecutiveFailures: 1, ejectForMs: 30_000, maxEjected: 1 } });
    const refused = { ...okPeer, status: 8, message: 'rate limit', headers: { [PeerHeaders.retryAfter]: '2' } };
    const { handler, attempts, breaker, env } = setup(servicePolicy({ defaults: retrying }), () => refused);
    for (let i = 0; i < 3; i++) expect(await outcome(handler(newCall()))).toMatchObject({ code: 'RESOURCE_EXHAUSTED', retryAfterSeconds: 2 });
    expect(attempts()).toBe(3);
    expect(breaker.ejected(env.now())).toEqual({});
  });

  test('when the store fails, the sidecar admits its even share and says so', async () => {
    const { handler, source, ledger, limits } = setup(servicePolicy({ quotas: [quota({ limit: 100 })] }));
    source.down = true;
    let ok = 0;
    for (let i = 0; i < 120; i++) if ((await outcome(handler(newCall()))) === 'ok') ok++;
    expect(ok).toBe(100);
    expect(limits.render(ledger)).toMatch(/transmesh_quota_fallback\{[^}]*\} 1/);
  });
});

describe('RateGate', () => {
  function gate(limit: ServicePolicy['rateLimit']) {
    let now = 1_000_000;
    const policies = new SnapshotCell<PolicySnapshot>(emptyPolicies);
    policies.swap({ byService: new Map([['pkg.Svc', servicePolicy({ rateLimit: limit })]]) });
    const metrics = new LimitMetrics();
    const g = new RateGate(policies, metrics, () => now);
    return { g, metrics, policies, advance: (ms: number) => (now += ms) };
  }

  test('per caller: a burst from one caller is refused while another caller passes; tokens come back with time', () => {
    const { g, metrics, advance } = gate({ perInstance: undefined, perCaller: new Map([['web', { rate: 2, burst: 2 }]]) });
    expect(g.admit('web', 'pkg.Svc')).toBeUndefined();
    expect(g.admit('web', 'pkg.Svc')).toBeUndefined();
    const refused = g.admit('web', 'pkg.Svc');
    expect(refused).toMatchObject({ code: 'RESOURCE_EXHAUSTED', retryAfterSeconds: 1, message: expect.stringContaining('for caller web') });
    for (let i = 0; i < 10; i++) expect(g.admit('batch', 'pkg.Svc')).toBeUndefined();
    expect(g.admit('web', 'other.Svc')).toBeUndefined();
    advance(500);
    expect(g.admit('web', 'pkg.Svc')).toBeUndefined();
    expect(g.admit('web', 'pkg.Svc')).toBeDefined();
    expect(metrics.refusalCount('service="pkg.Svc",caller="web",reason="rate_caller"')).toBe(2);
  });

  test('per instance: every caller shares one bucket; retry-after is whole seconds rounded up', () => {
    const { g, metrics } = gate({ perInstance: { rate: 0.25, burst: 1 }, perCaller: new Map() });
    expect(g.admit('a', 'pkg.Svc')).toBeUndefined();
    expect(g.admit('b', 'pkg.Svc')).toMatchObject({ code: 'RESOURCE_EXHAUSTED', retryAfterSeconds: 4 });
    expect(metrics.refusalCount('service="pkg.Svc",caller="b",reason="rate_instance"')).toBe(1);
  });

  test('buckets survive a revision that keeps their limits, start full when a limit changes, and go with their policy', () => {
    const limit = { perInstance: { rate: 1, burst: 1 }, perCaller: new Map([['web', { rate: 1, burst: 1 }]]) };
    const { g, policies } = gate(limit);
    expect(g.admit('web', 'pkg.Svc')).toBeUndefined();
    policies.swap({ byService: new Map([['pkg.Svc', servicePolicy({ revision: 2, rateLimit: { perInstance: { rate: 1, burst: 1 }, perCaller: new Map([['web', { rate: 5, burst: 5 }]]) } })]]) });
    // The caller's bucket is new and full; the instance's is the old one, spent.
    expect(g.admit('web', 'pkg.Svc')).toMatchObject({ message: expect.stringContaining('on this instance') });
    policies.swap({ byService: new Map() });
    expect(g.admit('web', 'pkg.Svc')).toBeUndefined();
  });
});

test('retry-after travels: a refusal carries it on the peer reply', () => {
  expect(errorReplyFor(exhausted('rate limit', 3)).extraHeaders).toEqual({ [PeerHeaders.retryAfter]: '3' });
  expect(errorReplyFor(new MeshError('RESOURCE_EXHAUSTED', 'too big')).extraHeaders).toBeUndefined();
});
