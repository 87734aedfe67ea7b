import { MeshError } from '../../src/errors/mesh-error';
import type { CodeName } from '../../src/errors/codes';
import type { MethodModel } from '../../src/idl/model';
import type { PeerResponse } from '../../src/transport/grpc/h2-client';
import { PolicyMetrics } from '../../src/telemetry/policy-metrics';
import { retryLayer } from '../../src/sidecar/outbound/retry-layer';
import { RetryBudget } from '../../src/sidecar/outbound/retry-budget';
import { endpoint, FakeEnv, methodSettings, newCall, okPeer, peerRequest, servicePolicy, withPolicy } from '../helpers/outbound-fixtures';

const unavailable: PeerResponse = { ...okPeer, status: 14, message: 'down' };
const internal: PeerResponse = { ...okPeer, status: 13, message: 'bug' };

function retryOn(codes: CodeName[], attempts = 3, budget = { ratio: 0.2, perSecond: 10 }) {
  const settings = methodSettings({ retry: { attempts, on: new Set(codes) } });
  return { settings, policy: servicePolicy({ defaults: settings, retryBudget: budget }) };
}

/** A retry layer over a provider that answers from a script, one entry per attempt (then OK). */
function setup(script: Array<PeerResponse | MeshError>, env = new FakeEnv()) {
  const metrics = new PolicyMetrics();
  let attempts = 0;
  const handler = retryLayer(env, metrics)(async (req) => {
    req.endpoint = endpoint(`e${attempts}`);
    const next = script[attempts++] ?? okPeer;
    if (next instanceof MeshError) throw next;
    return next;
  });
  return { handler, metrics, env, attempts: () => attempts, reset: () => (attempts = 0) };
}

function call(idempotent: boolean, codes: CodeName[], over: { attempts?: number; budget?: { ratio: number; perSecond: number }; deadline?: number } = {}) {
  const { settings, policy } = retryOn(codes, over.attempts, over.budget);
  const c = newCall({ route: { entry: {} as never, method: { kind: 'grpc', name: 'Get', idempotent } as unknown as MethodModel }, deadline: over.deadline ?? Date.now() + 10_000 });
  return peerRequest(withPolicy(c, policy, settings));
}

const deadlineIn = (env: FakeEnv, ms: number) => env.now() + ms;

test('retries the codes of retry.on for an idempotent method, and counts them', async () => {
  const { handler, attempts, metrics, env } = setup([unavailable, unavailable]);
  await expect(handler(call(true, ['UNAVAILABLE'], { deadline: deadlineIn(new FakeEnv(), 10_000) }))).resolves.toBe(okPeer);
  expect(attempts()).toBe(3);
  expect(metrics.value('transmesh_retries_total', 'service="pkg.Svc",reason="UNAVAILABLE"')).toBe(2);
  expect(env.sleeps).toHaveLength(2);
});

test('never retries those codes for a method the IDL does not mark idempotent, whatever the policy says', async () => {
  const { handler, attempts } = setup([unavailable]);
  await expect(handler(call(false, ['UNAVAILABLE'], { deadline: deadlineIn(new FakeEnv(), 10_000) }))).resolves.toBe(unavailable);
  expect(attempts()).toBe(1);
});

test('a code not listed in retry.on is the answer', async () => {
  const { handler, attempts } = setup([internal, new MeshError('DEADLINE_EXCEEDED', 'slow')]);
  await expect(handler(call(true, ['UNAVAILABLE'], { deadline: deadlineIn(new FakeEnv(), 10_000) }))).resolves.toBe(internal);
  expect(attempts()).toBe(1);
});

test('a thrown error with a listed code is retried too; CANCELLED never is', async () => {
  const { handler, attempts, reset } = setup([new MeshError('UNAVAILABLE', 'reset mid-call')]);
  await expect(handler(call(true, ['UNAVAILABLE'], { deadline: deadlineIn(new FakeEnv(), 10_000) }))).resolves.toBe(okPeer);
  expect(attempts()).toBe(2);
  reset();
  const cancelled = setup([new MeshError('CANCELLED', 'gone')]);
  await expect(cancelled.handler(call(true, ['CANCELLED'], { deadline: deadlineIn(new FakeEnv(), 10_000) }))).rejects.toMatchObject({ code: 'CANCELLED' });
  expect(cancelled.attempts()).toBe(1);
});

test('attempts stop at retry.attempts', async () => {
  const { handler, attempts } = setup([unavailable, unavailable, unavailable, unavailable]);
  await expect(handler(call(true, ['UNAVAILABLE'], { attempts: 2, deadline: deadlineIn(new FakeEnv(), 10_000) }))).resolves.toBe(unavailable);
  expect(attempts()).toBe(2);
});

test('back-off is jittered, doubles from 25 ms, caps at 250 ms, and never crosses the deadline', async () => {
  const env = new FakeEnv();
  env.random = () => 0.999;
  const { handler } = setup(Array(7).fill(unavailable), env);
  await handler(call(true, ['UNAVAILABLE'], { attempts: 8, deadline: deadlineIn(env, 10_000) }));
  expect(env.sleeps.map(Math.round)).toEqual([25, 50, 100, 200, 250, 250, 250]);
  // With 60 ms left, a back-off that would end past the deadline is not waited: the last answer stands.
  const late = new FakeEnv();
  late.random = () => 0.999;
  const short = setup([unavailable, unavailable, unavailable], late);
  await expect(short.handler(call(true, ['UNAVAILABLE'], { deadline: deadlineIn(late, 60) }))).resolves.toBe(unavailable);
  expect(late.sleeps.map(Math.round)).toEqual([25]);
  expect(short.attempts()).toBe(2);
  // Jitter: seeded draws give different waits below the cap.
  const jittered = new FakeEnv(5);
  await setup([unavailable, unavailable], jittered).handler(call(true, ['UNAVAILABLE'], { deadline: deadlineIn(jittered, 10_000) }));
  expect(jittered.sleeps[0]).toBeLessThan(25);
  expect(jittered.sleeps[1]).toBeLessThan(50);
  expect(jittered.sleeps[0]).not.toBe(jittered.sleeps[1]);
});

test('the budget: retries over 10 s stay within ratio × calls + perSecond × 10, then slide back', async () => {
  const env = new FakeEnv();
  const { handler, metrics } = setup(Array(1000).fill(unavailable), env);
  const budget = { ratio: 0.5, perSecond: 0.2 }; // 2 retries of floor + half the calls
  const results: number[] = [];
  for (let i = 0; i < 4; i++) {
    const before = env.sleeps.length;
    await handler(call(true, ['UNAVAILABLE'], { attempts: 2, budget, deadline: deadlineIn(env, 10_000) }));
    results.push(env.sleeps.length - before);
  }
  // Calls 1..4 with 0.5 × calls + 2 allowed: 2.5, 3, 3.5, 4 → all four retry.
  expect(results).toEqual([1, 1, 1, 1]);
  const strict = setup(Array(1000).fill(unavailable), env);
  const none = { ratio: 0, perSecond: 0.1 }; // one retry per 10 s
  const retried: number[] = [];
  for (let i = 0; i < 3; i++) {
    const before = strict.attempts();
    await strict.handler(call(true, ['UNAVAILABLE'], { attempts: 2, budget: none, deadline: deadlineIn(env, 10_000) }));
    retried.push(strict.attempts() - before - 1);
  }
  expect(retried).toEqual([1, 0, 0]);
  expect(strict.metrics.value('transmesh_retry_budget_exhausted_total', 'service="pkg.Svc"')).toBe(2);
  env.advance(10_000);
  const before = strict.attempts();
  await strict.handler(call(true, ['UNAVAILABLE'], { attempts: 2, budget: none, deadline: deadlineIn(env, 10_000) }));
  expect(strict.attempts() - before).toBe(2);
  expect(metrics.value('transmesh_retry_budget_exhausted_total', 'service="pkg.Svc"')).toBe(0);
});

test('a call that never reached a provider is always retried: not idempotent, budget spent, no back-off', async () => {
  const env = new FakeEnv();
  const refused = () => new MeshError('UNAVAILABLE', 'refused', { retryable: true });
  const { handler, attempts, metrics } = setup([refused(), { ...unavailable, headers: { 'x-transmesh-not-sent': '1' } }], env);
  await expect(handler(call(false, [], { budget: { ratio: 0, perSecond: 0 }, deadline: deadlineIn(env, 10_000) }))).resolves.toBe(okPeer);
  expect(attempts()).toBe(3);
  expect(env.sleeps).toEqual([]);
  expect(metrics.value('transmesh_retries_total', 'service="pkg.Svc",reason="not_sent"')).toBe(2);
});

test('the budget counts in one-second buckets over ten seconds', () => {
  const b = new RetryBudget();
  const t0 = 1_000_000;
  const limit = { ratio: 0, perSecond: 0.3 }; // 3 retries per window
  expect([0, 1, 2, 3].map((s) => b.tryRetry(t0 + s * 1000, limit))).toEqual([true, true, true, false]);
  // At t0 + 10 s the first bucket has left the window: one retry is free again; not two.
  expect(b.tryRetry(t0 + 10_000, limit)).toBe(true);
  expect(b.tryRetry(t0 + 10_000, limit)).toBe(false);
  // After a long silence everything is forgotten.
  expect([0, 1, 2].map(() => b.tryRetry(t0 + 100_000, limit))).toEqual([true, true, true]);
});

test('a caller that goes away during the back-off ends the call as CANCELLED, with no further attempt', async () => {
  const env = new FakeEnv();
  const req = call(true, ['UNAVAILABLE'], { deadline: deadlineIn(env, 10_000) });
  env.sleep = async (ms: number) => {
    env.sleeps.push(ms);
    req.call.cancel.cancel();
  };
  const { handler, attempts } = setup([unavailable, unavailable], env);
  await expect(handler(req)).rejects.toMatchObject({ code: 'CANCELLED' });
  expect(attempts()).toBe(1);
});
