import { connect, NatsConnection } from 'nats';
import type { Quota } from '../../src/policy/service-policy';
import { windowStart } from '../../src/policy/quota-window';
import { counterKey, currentCounters, KvLeaseSource, legacyCounterKey } from '../../src/quota/kv-lease-source';
import { encodeJson, openBucket } from '../../src/registry/kv';
import { bucketOptions, Buckets } from '../../src/registry/names';
import { QuotaLedger } from '../../src/sidecar/limits/quota-ledger';
import { startNats } from '../helpers/processes';

jest.setTimeout(60_000);

/** The bucket as a control plane creates it (sidecars only bind). */
const openQuotaBucket = (nc: NatsConnection) => openBucket(nc.jetstream(), Buckets.quota, bucketOptions[Buckets.quota]);

/** Mesh-wide counting against a real nats-server: leases by compare-and-set from separate connections. */
describe('quota counters in JetStream KV', () => {
  let nats: Awaited<ReturnType<typeof startNats>>;
  const conns: NatsConnection[] = [];

  beforeAll(async () => {
    nats = await startNats();
  });
  afterAll(async () => {
    await Promise.all(conns.map((c) => c.close()));
    await nats.stop();
  });

  async function ledger(): Promise<QuotaLedger> {
    const nc = await connect({ servers: nats.url });
    conns.push(nc);
    return new QuotaLedger(new KvLeaseSource(await openQuotaBucket(nc)), () => 3);
  }

  test('three sidecars calling at once admit exactly the limit, and quota ls sees it', async () => {
    const ledgers = await Promise.all([ledger(), ledger(), ledger()]);
    const q: Quota = { caller: 'web', methods: new Set(['Echo']), limit: 500, per: 'hour' };
    const results = await Promise.all(
      Array.from({ length: 900 }, (_, i) => Promise.resolve(ledgers[i % 3].check('test.Svc', 'hour-echo', q, 'web'))),
    );
    expect(results.filter((r) => r === 0)).toHaveLength(500);
    const retryAfter = results.filter((r) => r !== 0);
    expect(retryAfter).toHaveLength(400);
    for (const s of retryAfter) expect(s).toBeGreaterThan(0);

    const counters = await currentCounters(await openQuotaBucket(conns[0]), Date.now(), 'test.Svc');
    expect(counters).toEqual([
      { service: 'test.Svc', quotaId: 'hour-echo', caller: 'web', methods: ['Echo'], per: 'hour', limit: 500, windowStart: windowStart(Date.now(), 'hour'), used: 500 },
    ]);
  });

  test('a settle sent again under the same batch id is counted once', async () => {
    const nc = await connect({ servers: nats.url });
    conns.push(nc);
    const source = new KvLeaseSource(await openQuotaBucket(nc));
    const key = { service: 'test.Settle', quotaId: 'day-all', caller: 'web', methods: [], per: 'day' as const, limit: 100, windowStart: windowStart(Date.now(), 'day') };
    await source.settle(key, 7, 'a-1');
    await source.settle(key, 7, 'a-1');
    await source.settle(key, 3, 'a-2');
    const [counter] = await currentCounters(await openQuotaBucket(nc), Date.now(), 'test.Settle');
    expect(counter).toMatchObject({ used: 10, settles: ['a-1', 'a-2'] });
  });

  test('counters are keyed by the calling app first; a count kept under the old key carries over into its window once', async () => {
    const nc = await connect({ servers: nats.url });
    conns.push(nc);
    const kv = await openQuotaBucket(nc);
    const key = { service: 'test.Legacy', quotaId: 'day-all', caller: 'web', methods: [], per: 'day' as const, limit: 100, windowStart: windowStart(Date.now(), 'day') };
    expect(counterKey(key)).toBe(`web.test.Legacy.day-all.${key.windowStart}`);
    // What a sidecar of the previous version counted in this window, under `q.<service>...`.
    await kv.put(legacyCounterKey(key), encodeJson({ ...key, used: 40 }));
    const source = new KvLeaseSource(kv);
    await expect(source.take(key, () => 5)).resolves.toEqual({ granted: 5, remaining: 55 });
    await expect(source.take(key, () => 5)).resolves.toEqual({ granted: 5, remaining: 50 });
    // The old key is only read: it still says 40, and the listing counts the new key alone.
    expect(await currentCounters(kv, Date.now(), 'test.Legacy')).toEqual([expect.objectContaining({ caller: 'web', used: 50 })]);
  });
});
