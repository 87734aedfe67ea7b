import { connect, NatsConnection, KV } from 'nats';
import pino from 'pino';
import { Writable } from 'node:stream';
import { startNats } from '../helpers/processes';
import { openBucket, encodeJson } from '../../src/registry/kv';
import { bucketOptions, Buckets } from '../../src/registry/names';
import { EndpointsWatcher } from '../../src/discovery/endpoints-watcher';
import type { EndpointsSnapshot, IdlSnapshot } from '../../src/snapshot/snapshots';
import { IdlWatcher } from '../../src/registry/idl-watcher';
import { IdlStore } from '../../src/registry/idl-store';
import { echoFiles } from '../helpers/grpc-echo-server';

jest.setTimeout(30000);

/**
 * The discovery and registry watchers against a real nats-server (the discovery one on a fake
 * clock): what they do when their watch goes quiet, or a sidecar's own heartbeat does not come
 * back, without waiting seconds for it.
 */
describe('watches that stall are re-created', () => {
  let nats: Awaited<ReturnType<typeof startNats>>;
  let nc: NatsConnection;
  let kv: KV;
  let watcher: EndpointsWatcher | undefined;
  let t = 0;
  const logs: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, cb) => (logs.push(JSON.parse(String(chunk))), cb()) }));
  const snapshots: EndpointsSnapshot[] = [];
  const record = (instance: string) => encodeJson({ instance, app: 'echo', address: '127.0.0.1:1', services: [{ name: 'a.Echo', protocol: 'grpc' }] });
  const logged = (msg: string) => logs.filter((l) => l.msg === msg).length;
  const until = async (what: string, pred: () => boolean | Promise<boolean>) => {
    const deadline = Date.now() + 10000;
    while (!(await pred())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  beforeAll(async () => {
    nats = await startNats();
    nc = await connect({ servers: nats.url });
    kv = await openBucket(nc.jetstream(), Buckets.endpoints, bucketOptions[Buckets.endpoints]);
  });

  afterAll(async () => {
    watcher?.stop();
    await nc?.close();
    await nats?.stop();
  });

  test('a quiet watch is re-created with a full resync; a record gone meanwhile is dropped; no consumer is leaked', async () => {
    await kv.put('p1', record('p1'));
    await kv.put('p2', record('p2'));
    watcher = new EndpointsWatcher(kv, { heartbeatMs: 1000, ttlMs: 15000, now: () => t }, (s) => snapshots.push(s), log);
    await watcher.start();
    expect(snapshots.at(-1)!.byService.get('a.Echo')!.map((e) => e.instance)).toEqual(['p1', 'p2']);
    const consumers = async () => (await (await nc.jetstreamManager()).streams.info(`KV_${Buckets.endpoints}`)).state.consumer_count;
    const base = await consumers();

    // p2 goes without this watcher hearing it (a purge leaves no delete record in the watch).
    await kv.purge('p2');
    for (let round = 1; round <= 3; round++) {
      // p1 heartbeats, so it stays live; then nothing arrives for longer than three heartbeats.
      const rev = await kv.put('p1', record('p1'));
      await until(`p1 revision ${rev}`, () => watcher!.revisionOf('p1') === rev);
      t += 4_000;
      watcher.tick();
      await until(`resync ${round}`, () => logged('watching discovery again') === round && !watcher!.resyncing);
    }
    expect(snapshots.at(-1)!.byService.get('a.Echo')!.map((e) => e.instance)).toEqual(['p1']);
    // Each resync stopped the watch before it; the server drops a stopped ordered consumer.
    await until(`consumers back to ${base}`, async () => (await consumers()) <= base);
  });

  test('its own heartbeat stored but not seen through the watch triggers a resync; seen, it does not', async () => {
    const before = logged('watching discovery again');
    const rev = await kv.put('self', record('self'));
    await until('self seen', () => snapshots.at(-1)!.byService.get('a.Echo')!.some((e) => e.instance === 'self'));
    watcher!.heartbeatStored('self', rev);
    t += 2_600;
    watcher!.tick();
    expect(logged('watching discovery again')).toBe(before);

    // A revision the watch has not delivered (as if stalled): stored by "us", never seen.
    watcher!.heartbeatStored('self', rev + 1000);
    t += 2_600;
    watcher!.tick();
    expect(logged('watching discovery again')).toBe(before + 1);
  });

  test('a registry watch that silently stops delivering is noticed at the next checks and re-created', async () => {
    const idl = await openBucket(nc.jetstream(), Buckets.idl, bucketOptions[Buckets.idl]);
    const store = new IdlStore(idl);
    const svc = 'mesh.test.v1.Echo';
    const v1 = (await store.push({ files: echoFiles(), entries: ['echo.proto'] })).version;
    const idlSnapshots: IdlSnapshot[] = [];
    const idlWatcher = new IdlWatcher(idl, (snap) => idlSnapshots.push(snap), log);
    await idlWatcher.start();
    try {
      expect(idlSnapshots.at(-1)!.services.get(svc)!.version).toBe(v1);
      const fellBehind = () => logged('the registry watch fell behind; watching again');
      // Nothing new: checks change nothing.
      await idlWatcher.check();
      await idlWatcher.check();
      expect(fellBehind()).toBe(0);

      // The watch goes silent (as after a stream leader change), without ending.
      (idlWatcher as unknown as { stopWatch: () => void }).stopWatch();
      const v2 = (await store.push({ files: echoFiles(), entries: ['echo.proto'] })).version;
      await idlWatcher.check();
      expect(idlSnapshots.at(-1)!.services.get(svc)!.version).toBe(v1);
      await idlWatcher.check();
      expect(fellBehind()).toBe(1);
      await until('v2 loaded', () => idlSnapshots.at(-1)!.services.get(svc)!.version === v2);
      await idlWatcher.check();
      await idlWatcher.check();
      expect(fellBehind()).toBe(1);
    } finally {
      idlWatcher.stop();
    }
  });
});
