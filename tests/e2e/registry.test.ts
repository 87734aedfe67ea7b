import { connect, NatsConnection } from 'nats';
import { describeService } from '../../src/control-plane/idl-show';
import { join } from 'node:path';
import { repoRoot, startNats } from '../helpers/processes';
import { collectIdl } from '../../src/cli/collect-idl';
import { echoFiles } from '../helpers/grpc-echo-server';
import { openBucket } from '../../src/registry/kv';
import { bucketOptions, Buckets } from '../../src/registry/names';
import { IdlStore } from '../../src/registry/idl-store';

jest.setTimeout(30000);

/** The registry store against a real nats-server: what two control-plane replicas share. */
describe('IDL registry on JetStream KV', () => {
  let nats: Awaited<ReturnType<typeof startNats>>;
  let ncA: NatsConnection;
  let ncB: NatsConnection;
  let a: IdlStore;
  let b: IdlStore;
  const svc = 'mesh.test.v1.Echo';
  const push = (store: IdlStore) => store.push({ files: echoFiles(), entries: ['echo.proto'] });
  const idl = join(repoRoot, 'idl');
  const examples = () => collectIdl([join(idl, 'acme/users/v1/users.proto'), join(idl, 'orders.thrift')], [idl]);

  beforeAll(async () => {
    nats = await startNats();
    ncA = await connect({ servers: nats.url });
    ncB = await connect({ servers: nats.url });
  });

  // Each test starts from an empty registry and makes the versions it needs: any one runs alone.
  beforeEach(async () => {
    await (await openBucket(ncA.jetstream(), Buckets.idl, bucketOptions[Buckets.idl])).destroy();
    a = new IdlStore(await openBucket(ncA.jetstream(), Buckets.idl, bucketOptions[Buckets.idl]));
    b = new IdlStore(await openBucket(ncB.jetstream(), Buckets.idl, bucketOptions[Buckets.idl]));
  });

  afterAll(async () => {
    await ncA?.close();
    await ncB?.close();
    await nats?.stop();
  });

  test('concurrent pushes through two replicas get distinct versions, and every version is kept', async () => {
    const results = await Promise.all([push(a), push(b), push(a), push(b), push(a), push(b)]);
    const versions = results.map((r) => r.version).sort((x, y) => x - y);
    expect(versions).toEqual([1, 2, 3, 4, 5, 6]);
    const [listing] = await a.list();
    expect(listing).toMatchObject({ name: svc, protocol: 'grpc', version: 6 });
    expect(listing.versions.sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test('a push that does not compile changes nothing, not even the version counter', async () => {
    expect((await push(a)).version).toBe(1);
    const files = echoFiles();
    await expect(b.push({ files: { ...files, 'echo.proto': files['echo.proto'].replace('int64 id = 2;', 'int64 id = ;') }, entries: ['echo.proto'] })).rejects.toThrow(/echo\.proto:\d+:\d+/);
    await expect(b.push({ files: { 'echo.proto': files['echo.proto'] }, entries: ['echo.proto'] })).rejects.toThrow(/types\.proto/);
    expect(await a.list()).toEqual([expect.objectContaining({ name: svc, version: 1, versions: [1] })]);
    expect((await push(a)).version).toBe(2);
  });

  test('rollback goes to the previous version, or the one named; unknown ones are refused', async () => {
    for (let v = 1; v <= 4; v++) expect((await push(v % 2 ? a : b)).version).toBe(v);
    expect(await a.rollback(svc)).toEqual({ name: svc, version: 3, previous: 4 });
    expect(await b.rollback(svc, 2)).toEqual({ name: svc, version: 2, previous: 3 });
    expect(await a.rollback(svc)).toEqual({ name: svc, version: 1, previous: 2 });
    await expect(a.rollback(svc)).rejects.toThrow(/no version before 1/);
    await expect(a.rollback(svc, 99)).rejects.toThrow(/no version 99/);
    await expect(a.rollback('no.Such')).rejects.toThrow(/no service/);
    expect((await b.show(svc)).version).toBe(1);
  });

  test('one push of .proto and .thrift files together lists every service it defines', async () => {
    expect((await push(b)).version).toBe(1);
    const bundle = examples();
    expect(Object.keys(bundle.files).sort()).toEqual(['acme/common/v1/money.proto', 'acme/users/v1/users.proto', 'orders.thrift', 'shared.thrift']);
    const pushed = await a.push(bundle);
    expect(pushed.services).toEqual([
      { name: 'acme.users.v1.UserService', protocol: 'grpc' },
      { name: 'orders.OrderService', protocol: 'thrift' },
    ]);
    const names = (await b.list()).map((l) => `${l.name}@${l.version}`);
    expect(names).toEqual(['acme.users.v1.UserService@' + pushed.version, `${svc}@1`, 'orders.OrderService@' + pushed.version]);
  });

  test('a push cannot change the protocol of a service', async () => {
    // orders.OrderService is Thrift; the same name from a .proto is refused and nothing changes.
    await a.push(examples());
    const proto = 'syntax = "proto3"; package orders; message M {} service OrderService { rpc getOrder(M) returns (M); }';
    await expect(b.push({ files: { 'o.proto': proto }, entries: ['o.proto'] })).rejects.toThrow(/orders.OrderService is a thrift service/);
    expect((await a.list()).find((l) => l.name === 'orders.OrderService')!.protocol).toBe('thrift');
  });

  test('show gives a JSON example of each request and response', async () => {
    await push(b);
    const shown = describeService(await a.show(svc));
    const echo = shown.methods.find((m) => m.name === 'Echo')!;
    expect(echo).toMatchObject({ path: `/${svc}/Echo`, requestType: 'mesh.test.v1.EchoRequest', responseType: 'mesh.test.v1.EchoReply' });
    expect(echo.request).toHaveProperty('id');
    expect(echo.response).toHaveProperty('server');
  });

  test('a push retried with its pushId after a replica died half-way completes with the same version', async () => {
    const idl = join(repoRoot, 'idl');
    const bundle = collectIdl([join(idl, 'acme/users/v1/users.proto'), join(idl, 'orders.thrift')], [idl]);
    const kv = await openBucket(ncA.jetstream(), Buckets.idl, bucketOptions[Buckets.idl]);
    // The replica "dies" after updating the first service record and before the second.
    const dying = new Proxy(kv, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop !== 'update' && prop !== 'create') return typeof value === 'function' ? value.bind(target) : value;
        return (key: string, ...rest: unknown[]) => {
          if (key === 'service.orders.OrderService') return Promise.reject(new Error('the replica died'));
          return (value as (...a: unknown[]) => Promise<number>).call(target, key, ...rest);
        };
      },
    });
    await a.push(bundle);
    const before = (await a.list()).find((l) => l.name === 'orders.OrderService')!.version;
    const pushId = 'retry-test-0001';
    await expect(new IdlStore(dying).push({ ...bundle, pushId })).rejects.toThrow(/the replica died/);
    const half = await b.list();
    const users = half.find((l) => l.name === 'acme.users.v1.UserService')!.version;
    expect(half.find((l) => l.name === 'orders.OrderService')!.version).toBe(before);

    const retried = await b.push({ ...bundle, pushId });
    expect(retried.version).toBe(users);
    const after = await a.list();
    expect(after.find((l) => l.name === 'orders.OrderService')!.version).toBe(users);
    expect(after.find((l) => l.name === 'acme.users.v1.UserService')!.versions.filter((v) => v === users)).toHaveLength(1);
    // A second retry (the first reply was lost) is a no-op with the same answer.
    expect((await a.push({ ...bundle, pushId })).version).toBe(users);
    expect((await a.list()).map((l) => l.version)).toEqual(after.map((l) => l.version));
  });
});
