import { connect, NatsConnection } from 'nats';
import pino from 'pino';
import { startNats } from '../helpers/processes';
import { echoFiles } from '../helpers/grpc-echo-server';
import { openBucket } from '../../src/registry/kv';
import { bucketOptions, Buckets } from '../../src/registry/names';
import { IdlStore } from '../../src/registry/idl-store';
import { IdlWatcher } from '../../src/registry/idl-watcher';
import type { IdlSnapshot } from '../../src/snapshot/snapshots';

jest.setTimeout(30000);

/** A sidecar's IDL watcher keeps compiled only the versions services are on, however many pushes there were. */
test('compiled bundles of versions no service is on any more are dropped', async () => {
  const nats = await startNats();
  const nc: NatsConnection = await connect({ servers: nats.url });
  try {
    const kv = await openBucket(nc.jetstream(), Buckets.idl, bucketOptions[Buckets.idl]);
    const store = new IdlStore(kv);
    const push = () => store.push({ files: echoFiles(), entries: ['echo.proto'] });
    const snapshots: IdlSnapshot[] = [];
    let onSnap: (() => void) | undefined;
    const watcher = new IdlWatcher(kv, (s) => (snapshots.push(s), onSnap?.()), pino({ level: 'silent' }));
    await push();
    await watcher.start();
    const versionSeen = (v: number) =>
      new Promise<void>((resolve) => {
        const check = () => [...(snapshots.at(-1)?.services.values() ?? [])].some((e) => e.version === v) && resolve();
        onSnap = check;
        check();
      });
    for (let v = 2; v <= 6; v++) {
      await push();
      await versionSeen(v);
    }
    expect(watcher.compiledVersions).toEqual([6]);
    await store.rollback('mesh.test.v1.Echo', 3);
    await versionSeen(3);
    expect(watcher.compiledVersions).toEqual([3]);
    watcher.stop();
  } finally {
    await nc.close();
    await nats.stop();
  }
});
