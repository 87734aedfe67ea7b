import { connect, NatsConnection } from 'nats';
import { startNats } from '../helpers/processes';
import { openBucket } from '../../src/registry/kv';
import { bucketOptions, Buckets } from '../../src/registry/names';
import { PolicyStore } from '../../src/registry/policy-store';

jest.setTimeout(60000);

/** The policy store against a real nats-server: what control-plane replicas share, and what survives a restart. */
describe('policy store on JetStream KV', () => {
  let nats: Awaited<ReturnType<typeof startNats>>;
  const ncs: NatsConnection[] = [];
  const svc = 'a.Ledger';
  const open = async () => {
    const nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    ncs.push(nc);
    return new PolicyStore(await openBucket(nc.jetstream(), Buckets.policy, bucketOptions[Buckets.policy]));
  };

  beforeAll(async () => {
    nats = await startNats();
  });

  // Each test (and CI's retry of it) starts from an empty bucket and makes the revisions it needs.
  beforeEach(async () => {
    const nc = await connect({ servers: nats.url });
    try {
      await (await openBucket(nc.jetstream(), Buckets.policy, bucketOptions[Buckets.policy])).destroy();
    } finally {
      await nc.close();
    }
  });

  afterAll(async () => {
    await Promise.all(ncs.map((nc) => nc.close()));
    await nats?.stop();
  });

  test('concurrent applies through two replicas get distinct revisions, every one kept, the highest current', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    const put = (s: PolicyStore, i: number) => s.put(svc, `service: ${svc}\n# ${i}\n`, { service: svc });
    const res = await Promise.all([put(a, 1), put(b, 2), put(a, 3), put(b, 4), put(a, 5), put(b, 6)]);
    expect(res.map((r) => r.revision).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await b.list()).toEqual([{ service: svc, revision: 6, appliedAt: expect.any(String), revisions: [1, 2, 3, 4, 5, 6], lastChange: { how: 'apply', at: expect.any(String) } }]);
    const six = res.find((r) => r.revision === 6)!;
    expect((await a.show(svc)).yaml).toBe(`service: ${svc}\n# ${res.indexOf(six) + 1}\n`);
  });

  test('rollback works after a NATS restart; delete removes every revision but numbering goes on', async () => {
    const before = await open();
    for (let i = 1; i <= 6; i++) expect((await before.put(svc, `service: ${svc}\n# ${i}\n`, { service: svc })).revision).toBe(i);
    await nats.kill();
    await nats.restart();
    const s = await open();
    expect(await s.rollback(svc)).toEqual({ service: svc, revision: 5, previous: 6 });
    expect(await s.rollback(svc, 2, 'ops@bastion')).toEqual({ service: svc, revision: 2, previous: 5 });
    // The head says what made revision 2 current, when and at whose request (the dashboard shows it).
    const head = await s.head(svc);
    expect(head?.lastChange).toEqual({ how: 'rollback', at: expect.any(String), by: 'ops@bastion' });
    expect(Date.parse(head!.lastChange!.at)).toBeGreaterThan(Date.parse(head!.revisions.find((r) => r.revision === 2)!.appliedAt));
    expect((await s.show(svc, 6)).revision).toBe(6);
    await expect(s.rollback(svc, 9)).rejects.toThrow(/no policy revision 9/);
    await expect(s.rollback('no.Such')).rejects.toThrow(/no policy for no.Such/);
    expect(await s.delete(svc)).toEqual({ service: svc, previous: 2 });
    expect(await s.list()).toEqual([]);
    await expect(s.show(svc)).rejects.toThrow(/no policy for/);
    await expect(s.doc(svc, 3)).rejects.toThrow(/missing/);
    expect((await s.put(svc, `service: ${svc}\n`, { service: svc })).revision).toBe(7);
    expect((await s.head(svc))?.revisions.map((r) => r.revision)).toEqual([7]);
  });
});
