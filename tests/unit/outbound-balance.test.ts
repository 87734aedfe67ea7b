import { SnapshotCell } from '../../src/snapshot/snapshot-cell';
import { emptyEndpoints, EndpointsSnapshot } from '../../src/snapshot/snapshots';
import { PolicyMetrics } from '../../src/telemetry/policy-metrics';
import { balanceLayer } from '../../src/sidecar/outbound/balance-layer';
import { Breaker } from '../../src/sidecar/outbound/breaker';
import { LoadStats } from '../../src/sidecar/outbound/load-stats';
import { leastLoaded, rendezvous } from '../../src/sidecar/outbound/pickers';
import { endpoint, FakeEnv, methodSettings, newCall, okPeer, peerRequest, seeded, withPolicy } from '../helpers/outbound-fixtures';

const three = [endpoint('a'), endpoint('b'), endpoint('c')];

function counts(picks: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of picks) out[p] = (out[p] ?? 0) + 1;
  return out;
}

describe('least-loaded (power of two choices)', () => {
  const t0 = 1_000_000;

  test('prefers the provider with fewer calls in flight', () => {
    const load = new LoadStats();
    for (let i = 0; i < 5; i++) load.begin('a:1');
    const random = seeded(3);
    const picks = Array.from({ length: 200 }, () => leastLoaded([endpoint('a'), endpoint('b')], load, random, t0).instance);
    // Of two, both are always compared: the loaded one never wins.
    expect(counts(picks)).toEqual({ b: 200 });
  });

  test('prefers the faster provider: the slow one loses every comparison, the others share', () => {
    const load = new LoadStats();
    for (const [address, ms] of [['a:1', 100], ['b:1', 5], ['c:1', 5]] as const) {
      load.begin(address);
      load.end(address, ms, t0);
    }
    const random = seeded(11);
    const picks = counts(Array.from({ length: 3000 }, () => leastLoaded(three, load, random, t0).instance));
    expect(picks.a).toBeUndefined();
    expect(picks.b / 3000).toBeGreaterThan(0.4);
    expect(picks.c / 3000).toBeGreaterThan(0.4);
  });

  test('peak EWMA: a slower answer counts at once, a faster one by the time since the last, and an idle estimate fades', () => {
    const load = new LoadStats();
    load.begin('a:1');
    load.end('a:1', 10, t0);
    load.begin('a:1');
    load.end('a:1', 50, t0);
    expect(load.cost('a:1', t0)).toBe(50);
    load.begin('a:1');
    load.end('a:1', 10, t0 + 10_000);
    expect(load.cost('a:1', t0 + 10_000)).toBeCloseTo(50 * Math.exp(-1) + 10 * (1 - Math.exp(-1)));
    // Unpicked for 10 s, a provider's estimate has faded by e, so a slow one gets tried again.
    expect(load.cost('a:1', t0 + 20_000)).toBeCloseTo(load.cost('a:1', t0 + 10_000) * Math.exp(-1));
  });

  test('a newcomer is tried at once, then counts as average per call it has out', () => {
    const load = new LoadStats();
    for (const address of ['a:1', 'b:1']) {
      load.begin(address);
      load.end(address, 10, t0);
    }
    expect(load.cost('new:1', t0)).toBe(0);
    load.begin('new:1');
    expect(load.cost('new:1', t0)).toBeCloseTo(10);
    load.begin('new:1');
    expect(load.cost('new:1', t0)).toBeCloseTo(20);
  });

  test('the layer counts attempts in flight and their latency on the injected clock', async () => {
    const env = new FakeEnv();
    const load = new LoadStats();
    const cell = new SnapshotCell<EndpointsSnapshot>(emptyEndpoints);
    cell.swap({ byService: new Map([['pkg.Svc', [endpoint('a')]]]) });
    let release!: () => void;
    const handler = balanceLayer(cell, new Breaker(new PolicyMetrics()), load, env)(async () => {
      await new Promise<void>((r) => (release = r));
      return okPeer;
    });
    const pending = handler(peerRequest());
    await Promise.resolve();
    expect(load.cost('a:1', env.now())).toBe(1); // no answer yet: the initial 1 ms × 1 call out
    env.advance(40);
    release();
    await pending;
    expect(load.cost('a:1', env.now())).toBe(40);
    // A failure before any answer frees its slot but is no latency sample: a refused connection is fast, not the provider.
    const failing = balanceLayer(cell, new Breaker(new PolicyMetrics()), load, env)(async () => {
      env.advance(1);
      throw new Error('refused');
    });
    await expect(failing(peerRequest())).rejects.toThrow('refused');
    expect(load.cost('a:1', env.now())).toBeCloseTo(40 * Math.exp(-1 / 10_000));
  });
});

describe('hash:<header> (rendezvous hashing)', () => {
  const fleet = (n: number) => Array.from({ length: n }, (_, i) => endpoint(`p${i}`));
  const keys = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);

  test('the same key always goes to the same provider, and keys spread evenly', () => {
    const pool = fleet(10);
    expect(rendezvous(pool, 'user-42')).toBe(rendezvous([...pool].reverse(), 'user-42'));
    const c = counts(keys.map((k) => rendezvous(pool, k).instance));
    for (const n of Object.values(c)) expect(n).toBeGreaterThan(700);
    expect(Object.keys(c)).toHaveLength(10);
  });

  test('adding a provider moves about 1/N of the keys, all of them to the newcomer', () => {
    const before = keys.map((k) => rendezvous(fleet(10), k).instance);
    const after = keys.map((k) => rendezvous(fleet(11), k).instance);
    const moved = keys.filter((_, i) => before[i] !== after[i]);
    expect(moved.length / keys.length).toBeGreaterThan(0.06);
    expect(moved.length / keys.length).toBeLessThan(0.12);
    expect(new Set(keys.flatMap((_, i) => (before[i] !== after[i] ? [after[i]] : [])))).toEqual(new Set(['p10']));
  });

  test('removing a provider moves only the keys it held', () => {
    const before = keys.map((k) => rendezvous(fleet(10), k).instance);
    const after = keys.map((k) => rendezvous(fleet(10).filter((e) => e.instance !== 'p3'), k).instance);
    const movedWithoutCause = keys.filter((_, i) => before[i] !== 'p3' && after[i] !== before[i]);
    expect(movedWithoutCause).toEqual([]);
    expect(after).not.toContain('p3');
  });

  test('the layer hashes the header the app sent; without it, least-loaded', async () => {
    const env = new FakeEnv();
    const load = new LoadStats();
    for (let i = 0; i < 3; i++) load.begin('a:1');
    load.begin('b:1');
    const cell = new SnapshotCell<EndpointsSnapshot>(emptyEndpoints);
    cell.swap({ byService: new Map([['pkg.Svc', three]]) });
    const picked: string[] = [];
    const handler = balanceLayer(cell, new Breaker(new PolicyMetrics()), load, env)(async (req) => (picked.push(req.endpoint!.instance), okPeer));
    const settings = methodSettings({ balance: { kind: 'hash', header: 'x-user' } });
    const req = (headers: Record<string, string>) => peerRequest(withPolicy(newCall({ headers }), undefined, settings));
    for (let i = 0; i < 5; i++) await handler(req({ 'x-user': 'alice' }));
    expect(new Set(picked).size).toBe(1);
    expect(picked[0]).toBe(rendezvous(three, 'alice').instance);
    picked.length = 0;
    for (let i = 0; i < 30; i++) await handler(req({}));
    // c has nothing in flight and beats a (3) and b (1) whenever drawn; a never wins a comparison.
    expect(picked).not.toContain('a');
    expect(picked).toContain('c');
  });

  test('a retry of a hashed call goes to another provider', async () => {
    const cell = new SnapshotCell<EndpointsSnapshot>(emptyEndpoints);
    cell.swap({ byService: new Map([['pkg.Svc', three]]) });
    let picked = '';
    const handler = balanceLayer(cell, new Breaker(new PolicyMetrics()), new LoadStats(), new FakeEnv())(async (req) => ((picked = req.endpoint!.address), okPeer));
    const req = peerRequest(withPolicy(newCall({ headers: { 'x-user': 'alice' } }), undefined, methodSettings({ balance: { kind: 'hash', header: 'x-user' } })));
    await handler(req);
    const first = picked;
    req.tried = [first];
    req.attempt = 2;
    await handler(req);
    expect(picked).not.toBe(first);
  });
});
