import { ChaosMesh, chaosPath } from '../../bench/chaos/chaos-mesh';
import { Traffic } from '../../bench/chaos/traffic';
import { itemJson } from '../../bench/payload';
import { Buckets } from '../../src/registry/names';

jest.setTimeout(180000);

/**
 * The short form of `npm run chaos`: a 3-node NATS cluster with R3 buckets under steady traffic.
 * Killing the node that leads the discovery stream must fail no call, and a provider started
 * while that node is down must get traffic.
 */
describe('a NATS cluster as the backbone', () => {
  let mesh: ChaosMesh | undefined;
  let traffic: Traffic | undefined;

  afterAll(async () => {
    await traffic?.stop();
    await mesh?.close();
  });

  test('SIGKILL of the discovery leader fails no call; a provider started meanwhile gets traffic', async () => {
    mesh = await ChaosMesh.start({ controlPlanes: 1, providers: ['P1'] });
    traffic = new Traffic(mesh.consumer.url, chaosPath, itemJson(), 25);
    traffic.start();
    await traffic.ended(25, 0);

    const endpoints = `KV_${Buckets.endpoints}`;
    const leader = mesh.cluster.indexOf((await mesh.cluster.streamLeader(endpoints))!);
    expect(leader).toBeGreaterThanOrEqual(0);
    await mesh.cluster.stop(leader, 'SIGKILL');
    const down = traffic.now();
    await mesh.startProvider('P2');
    const reached = await traffic.reached('P2', down, 60000);
    expect(reached).toBeDefined();
    await traffic.ended(50, down);

    await mesh.cluster.restart(leader);
    await mesh.cluster.untilCurrent([endpoints, `KV_${Buckets.idl}`]);
    const back = traffic.now();
    await traffic.ended(25, back);
    await traffic.stop();

    const all = await traffic.window(0, traffic.now());
    expect(all.errors).toEqual([]);
    expect(all.failed).toBe(0);
    expect(all.calls).toBeGreaterThanOrEqual(100);
  });
});
