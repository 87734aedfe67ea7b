import { MeshError } from '../../src/errors/mesh-error';
import type { PeerResponse } from '../../src/transport/grpc/h2-client';
import { PolicyMetrics } from '../../src/telemetry/policy-metrics';
import { Breaker, maxEjectMs } from '../../src/sidecar/outbound/breaker';
import { breakerLayer } from '../../src/sidecar/outbound/breaker-layer';
import { endpoint, FakeEnv, methodSettings, newCall, okPeer, peerRequest, withPolicy } from '../helpers/outbound-fixtures';

const settings = { consecutiveFailures: 3, ejectForMs: 10_000, maxEjected: 0.5 };
const pool = ['a', 'b', 'c', 'd'].map((i) => endpoint(i));

function fail(breaker: Breaker, address: string, env: FakeEnv, times = 1) {
  for (let i = 0; i < times; i++) breaker.failed(address, pool, settings, env.now());
}

test('consecutive failures eject a provider for ejectFor; a success in between starts the count again', () => {
  const env = new FakeEnv();
  const metrics = new PolicyMetrics();
  const breaker = new Breaker(metrics);
  fail(breaker, 'a:1', env, 2);
  breaker.succeeded('a:1');
  fail(breaker, 'a:1', env, 2);
  expect(breaker.isEjected('a:1', env.now())).toBe(false);
  fail(breaker, 'a:1', env);
  expect(breaker.isEjected('a:1', env.now())).toBe(true);
  expect(breaker.admit(pool, settings, env.now()).map((e) => e.instance)).toEqual(['b', 'c', 'd']);
  expect(metrics.value('transmesh_ejections_total', 'provider="a:1"')).toBe(1);
  env.advance(9_999);
  expect(breaker.isEjected('a:1', env.now())).toBe(true);
  env.advance(1);
  expect(breaker.isEjected('a:1', env.now())).toBe(false);
  expect(breaker.admit(pool, settings, env.now())).toBe(pool);
});

test('the ejection doubles while the provider keeps failing, up to the cap, and a success resets it', () => {
  const env = new FakeEnv();
  const breaker = new Breaker(new PolicyMetrics());
  const ejectionLengths: number[] = [];
  fail(breaker, 'a:1', env, 3);
  for (let round = 0; round < 8; round++) {
    const start = env.now();
    while (breaker.isEjected('a:1', env.now())) env.advance(1000);
    ejectionLengths.push(env.now() - start);
    // Back from ejection, its first call fails again: it keeps failing.
    fail(breaker, 'a:1', env);
  }
  expect(ejectionLengths).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, maxEjectMs, maxEjectMs, maxEjectMs]);
  while (breaker.isEjected('a:1', env.now())) env.advance(1000);
  breaker.succeeded('a:1');
  fail(breaker, 'a:1', env, 2);
  expect(breaker.isEjected('a:1', env.now())).toBe(false);
  fail(breaker, 'a:1', env);
  const start = env.now();
  while (breaker.isEjected('a:1', env.now())) env.advance(1000);
  expect(env.now() - start).toBe(10_000);
});

test('a provider back for as long as it was out without failing starts over at ejectFor', () => {
  const env = new FakeEnv();
  const breaker = new Breaker(new PolicyMetrics());
  fail(breaker, 'a:1', env, 3);
  env.advance(10_000); // back
  env.advance(10_000); // and quiet for as long as it was out
  fail(breaker, 'a:1', env);
  expect(breaker.isEjected('a:1', env.now())).toBe(false);
  fail(breaker, 'a:1', env, 2);
  expect(breaker.isEjected('a:1', env.now())).toBe(true);
  env.advance(9_999);
  expect(breaker.isEjected('a:1', env.now())).toBe(true);
  env.advance(1);
  expect(breaker.isEjected('a:1', env.now())).toBe(false);
});

test('never more than maxEjected of a pool is ejected, and at least one provider stays', () => {
  const env = new FakeEnv();
  const breaker = new Breaker(new PolicyMetrics());
  for (const p of pool) fail(breaker, p.address, env, 3);
  expect(pool.filter((p) => breaker.isEjected(p.address, env.now())).map((p) => p.instance)).toEqual(['a', 'b']);
  // A pool of one never loses its provider, even at maxEjected 100%.
  const single = [endpoint('solo')];
  for (let i = 0; i < 10; i++) breaker.failed('solo:1', single, { ...settings, maxEjected: 1 }, env.now());
  expect(breaker.isEjected('solo:1', env.now())).toBe(false);
});

test('a pool with more ejected than it allows (ejections made for a wider pool) lets the soonest back', () => {
  const env = new FakeEnv();
  const breaker = new Breaker(new PolicyMetrics());
  const wide = [...pool, endpoint('e'), endpoint('f')];
  breaker.failed('a:1', wide, { ...settings, consecutiveFailures: 1 }, env.now());
  env.advance(1000);
  breaker.failed('b:1', wide, { ...settings, consecutiveFailures: 1 }, env.now());
  const narrow = [endpoint('a'), endpoint('b'), endpoint('c')];
  // Of three, one may be out: a (back sooner) is let in, b stays out.
  expect(breaker.admit(narrow, settings, env.now()).map((e) => e.instance)).toEqual(['a', 'c']);
});

test('state is kept across policy revisions (it belongs to providers) and pruned for providers that left', () => {
  const env = new FakeEnv();
  const breaker = new Breaker(new PolicyMetrics());
  fail(breaker, 'a:1', env, 3);
  fail(breaker, 'b:1', env, 3);
  breaker.prune(new Set(['a:1', 'c:1', 'd:1']));
  expect(breaker.isEjected('a:1', env.now())).toBe(true);
  expect(breaker.isEjected('b:1', env.now())).toBe(false);
  expect(Object.keys(breaker.ejected(env.now()))).toEqual(['a:1']);
});

describe('breaker layer', () => {
  async function outcomes(results: Array<PeerResponse | MeshError>) {
    const env = new FakeEnv();
    const breaker = new Breaker(new PolicyMetrics());
    const call = withPolicy(newCall(), undefined, methodSettings({ breaker: { consecutiveFailures: results.length, ejectForMs: 1000, maxEjected: 0.5 } }));
    let i = 0;
    const handler = breakerLayer(breaker, env)(async () => {
      const r = results[i++];
      if (r instanceof MeshError) throw r;
      return r;
    });
    for (let n = 0; n < results.length; n++) {
      const req = peerRequest(call);
      req.endpoint = pool[0];
      req.pool = pool;
      await handler(req).catch(() => undefined);
    }
    return breaker.isEjected('a:1', env.now());
  }

  test('UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL and UNKNOWN from a provider count as failures', async () => {
    const statuses = [14, 4, 13, 2].map((status) => ({ ...okPeer, status }));
    expect(await outcomes(statuses)).toBe(true);
    expect(await outcomes([new MeshError('UNAVAILABLE', 'refused'), new MeshError('DEADLINE_EXCEEDED', 'slow')])).toBe(true);
  });

  test("a provider sidecar's RESOURCE_EXHAUSTED refusal, an app error or a caller going away does not", async () => {
    expect(await outcomes([{ ...okPeer, status: 8 }, { ...okPeer, status: 8 }])).toBe(false);
    expect(await outcomes([{ ...okPeer, status: 5 }, { ...okPeer, status: 3 }])).toBe(false);
    expect(await outcomes([new MeshError('CANCELLED', 'gone'), new MeshError('CANCELLED', 'gone')])).toBe(false);
  });
});
