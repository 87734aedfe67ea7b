import type { Quota } from '../../src/policy/service-policy';
import { MemorySource } from '../helpers/memory-lease-source';
import { leaseSize, QuotaLedger } from '../../src/sidecar/limits/quota-ledger';
import { secondsToWindowEnd, windowStart } from '../../src/policy/quota-window';
import { TokenBucket } from '../../src/sidecar/limits/token-bucket';

const quota = (limit: number, per: Quota['per'] = 'minute'): Quota => ({ caller: 'web', methods: new Set(), limit, per });

async function admitted(r: number | Promise<number>): Promise<boolean> {
  return (await r) === 0;
}

describe('quota windows', () => {
  test('windows are aligned to UTC and retry-after counts whole seconds up to the end', () => {
    const t = Date.UTC(2026, 10, 29, 13, 45, 30, 250);
    expect(windowStart(t, 'second')).toBe(Date.UTC(2026, 10, 29, 13, 45, 30));
    expect(windowStart(t, 'minute')).toBe(Date.UTC(2026, 10, 29, 13, 45));
    expect(windowStart(t, 'hour')).toBe(Date.UTC(2026, 10, 29, 13));
    expect(windowStart(t, 'day')).toBe(Date.UTC(2026, 10, 29));
    expect(secondsToWindowEnd(t, 'minute')).toBe(30);
    expect(secondsToWindowEnd(t, 'second')).toBe(1);
    expect(secondsToWindowEnd(Date.UTC(2026, 10, 29, 23, 59, 59, 1), 'day')).toBe(1);
  });

  test('a lease takes an eighth of what is left, one at the end, none when spent', () => {
    expect(leaseSize(1000)).toBe(125);
    expect(leaseSize(7)).toBe(1);
    expect(leaseSize(1)).toBe(1);
    expect(leaseSize(0)).toBe(0);
  });
});

describe('QuotaLedger', () => {
  test('two sidecars of one app share one quota: together they admit exactly the limit', async () => {
    const source = new MemorySource();
    const now = () => Date.UTC(2026, 0, 1, 0, 0, 10);
    const a = new QuotaLedger(source, () => 2, now);
    const b = new QuotaLedger(source, () => 2, now);
    const q = quota(100);
    let ok = 0;
    let refused = 0;
    // Uneven load: a takes three calls for each of b's.
    for (let i = 0; i < 400; i++) {
      const l = i % 4 === 3 ? b : a;
      if (await admitted(l.check('svc', 'q0', q, 'web'))) ok++;
      else refused++;
    }
    expect(ok).toBe(100);
    expect(refused).toBe(300);
    // Leases, not a store round trip per call.
    expect(source.takes).toBeLessThan(60);
  });

  test('the hot path answers synchronously while a lease lasts', async () => {
    const source = new MemorySource();
    const l = new QuotaLedger(source, () => 1, () => 0);
    await l.check('svc', 'q0', quota(1000), 'web');
    expect(l.check('svc', 'q0', quota(1000), 'web')).toBe(0);
  });

  test('refusals say when the window ends, and the next window admits again', async () => {
    let t = Date.UTC(2026, 0, 1, 0, 0, 50);
    const l = new QuotaLedger(new MemorySource(), () => 1, () => t);
    const q = quota(3);
    for (let i = 0; i < 3; i++) expect(await l.check('svc', 'q0', q, 'web')).toBe(0);
    expect(await l.check('svc', 'q0', q, 'web')).toBe(10);
    t = Date.UTC(2026, 0, 1, 0, 1, 0);
    expect(await l.check('svc', 'q0', q, 'web')).toBe(0);
  });

  test('a limit of 0 refuses without asking the store', async () => {
    const source = new MemorySource();
    const l = new QuotaLedger(source, () => 1, () => 0);
    expect(await l.check('svc', 'q0', quota(0), 'web')).toBeGreaterThan(0);
    expect(source.takes).toBe(0);
  });

  test('store down: an even share of what was left, told through a hook, settled when the store is back', async () => {
    const source = new MemorySource();
    const t = Date.UTC(2026, 0, 1, 0, 0, 0);
    let now = t;
    const degraded: number[] = [];
    let recovered = 0;
    const l = new QuotaLedger(source, () => 4, () => now, { degraded: (_k, share) => degraded.push(share), recovered: () => recovered++ });
    const q = quota(800);
    let ok = 0;
    // 100 calls admitted through leases.
    while (ok < 100) if (await admitted(l.check('svc', 'q0', q, 'web'))) ok++;
    const leased = source.used.get('svc/q0/web/' + t)!;
    source.down = true;
    let more = 0;
    for (let i = 0; i < 1000; i++) if (await admitted(l.check('svc', 'q0', q, 'web'))) more++;
    // Its own leased tokens, then a quarter of what the store had left.
    expect(degraded).toEqual([Math.floor((800 - leased) / 4)]);
    expect(more).toBe(leased - 100 + degraded[0]);
    source.down = false;
    now += 1500;
    expect(await l.check('svc', 'q0', q, 'web')).toBeGreaterThan(0); // the retry runs in the background
    await new Promise((r) => setImmediate(r));
    expect(recovered).toBe(1);
    expect(source.used.get('svc/q0/web/' + t)).toBeGreaterThanOrEqual(leased + degraded[0]);
  });
});

describe('TokenBucket', () => {
  test('a burst of its size, then one token per 1/rate seconds', () => {
    const b = new TokenBucket(10, 10, 0);
    for (let i = 0; i < 10; i++) expect(b.take(0)).toBe(0);
    expect(b.take(0)).toBe(100);
    expect(b.take(50)).toBe(50);
    expect(b.take(100)).toBe(0);
    expect(b.take(100)).toBe(100);
    // Idle for long: back to the burst, never more.
    for (let i = 0; i < 10; i++) expect(b.take(60_000)).toBe(0);
    expect(b.take(60_000)).toBeGreaterThan(0);
  });
});

test('the same compiled quota follows its window and its counter: a new window, or a quota forgotten and back, counts anew', async () => {
  const source = new MemorySource();
  let t = Date.UTC(2026, 0, 1, 0, 0, 10);
  const ledger = new QuotaLedger(source, () => 1, () => t);
  const q = quota(2, 'second');
  expect([await ledger.check('s', 'second-all', q, 'web'), await ledger.check('s', 'second-all', q, 'web'), await ledger.check('s', 'second-all', q, 'web')]).toEqual([0, 0, 1]);
  t += 1000;
  expect(await ledger.check('s', 'second-all', q, 'web')).toBe(0);
  ledger.retain(() => false);
  expect(ledger.list()).toEqual([]);
  expect(await ledger.check('s', 'second-all', q, 'web')).toBe(0);
  expect(await ledger.check('s', 'second-all', q, 'web')).toBe(1);
  expect(ledger.list()).toHaveLength(1);
});

test('a settle whose answer was lost is retried under the same batch id and counted once', async () => {
  const source = new MemorySource();
  let t = Date.UTC(2026, 0, 1, 0, 0, 10);
  const ledger = new QuotaLedger(source, () => 2, () => t);
  const q = quota(100);
  const check = () => Promise.resolve(ledger.check('s', 'minute-all', q, 'web'));
  source.down = true;
  let admitted = 0;
  for (let i = 0; i < 60; i++) if ((await check()) === 0) admitted++;
  expect(admitted).toBe(50);
  source.down = false;
  source.loseNextAnswer = true;
  t += 1000;
  expect(await check()).toBeGreaterThan(0);
  await new Promise((r) => setImmediate(r));
  expect([...source.used.values()]).toEqual([50]);
  t += 1000;
  for (let i = 0; i < 80; i++) if ((await check()) === 0) admitted++;
  expect([...source.used.values()]).toEqual([100]);
  expect(admitted).toBe(100);
});

test('a sidecar counting alone on its share goes back to the store within a second of it answering, share left or not', async () => {
  const source = new MemorySource();
  let t = Date.UTC(2026, 0, 1, 0, 0, 10);
  const ledger = new QuotaLedger(source, () => 2, () => t);
  const q = quota(100);
  const check = () => Promise.resolve(ledger.check('s', 'minute-all', q, 'web'));
  source.down = true;
  for (let i = 0; i < 10; i++) expect(await check()).toBe(0);
  expect(ledger.list()[0]).toMatchObject({ degraded: true, tokens: 40 });
  source.down = false;
  t += 1000;
  expect(await check()).toBe(0);
  await new Promise((r) => setImmediate(r));
  expect(ledger.list()[0]).toMatchObject({ degraded: false });
  // The 11 admitted alone were added; the rest comes in leases, never past the limit.
  expect([...source.used.values()][0]).toBeGreaterThan(11);
  let admitted = 11;
  for (let i = 0; i < 120; i++) if ((await check()) === 0) admitted++;
  expect(admitted).toBe(100);
});
