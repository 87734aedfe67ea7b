import { EndpointTable } from '../../src/discovery/endpoint-table';
import { Backoff } from '../../src/registry/backoff';
import { endpointRecord, type EndpointRecord } from '../../src/registry/records';

const ttl = 15_000;

function rec(instance: string, services = ['a.Echo'], address = `10.0.0.1:${instance.length}`): EndpointRecord {
  return endpointRecord.parse({ instance, app: 'echo', address, services: services.map((name) => ({ name, protocol: 'grpc' as const })) });
}

function setup() {
  let t = 1_000;
  const table = new EndpointTable(ttl, () => t);
  return { table, advance: (ms: number) => (t += ms), instances: (svc = 'a.Echo') => (table.takeSnapshot()?.byService.get(svc) ?? []).map((e) => e.instance) };
}

describe('EndpointTable: liveness by what this sidecar heard, on its own clock', () => {
  test('a record heard within the TTL stays; one not heard for a TTL while discovery works goes', () => {
    const { table, advance } = setup();
    table.put('p1', 1, rec('p1'));
    table.put('p2', 2, rec('p2'));
    expect(table.takeSnapshot()!.byService.get('a.Echo')!.map((e) => e.instance)).toEqual(['p1', 'p2']);
    for (let i = 0; i < 20; i++) {
      advance(1000);
      table.put('p1', 3 + i, rec('p1'));
      table.expire();
    }
    expect(table.takeSnapshot()!.byService.get('a.Echo')!.map((e) => e.instance)).toEqual(['p1']);
  });

  test('nothing ages while JetStream is unhealthy, and every record gets a full TTL once it is back', () => {
    const { table, advance } = setup();
    table.put('p1', 1, rec('p1'));
    table.takeSnapshot();
    table.unhealthy();
    advance(10 * ttl);
    table.expire();
    expect(table.takeSnapshot()).toBeUndefined();
    table.healthy();
    advance(ttl - 1);
    table.expire();
    expect(table.takeSnapshot()).toBeUndefined();
    advance(2);
    table.expire();
    expect(table.takeSnapshot()!.byService.has('a.Echo')).toBe(false);
  });

  test('the same revision seen again (a resync) is not a sign of life', () => {
    const { table, advance } = setup();
    table.put('p1', 7, rec('p1'));
    table.takeSnapshot();
    advance(ttl / 2);
    table.put('p1', 7, rec('p1'));
    advance(ttl / 2 + 1);
    table.expire();
    expect(table.takeSnapshot()!.byService.has('a.Echo')).toBe(false);
  });

  test('a delete (drain) removes at once', () => {
    const { table, instances } = setup();
    table.put('p1', 1, rec('p1'));
    table.put('p2', 2, rec('p2'));
    table.takeSnapshot();
    table.remove('p1');
    expect(instances()).toEqual(['p2']);
  });

  test('a record a restarted server purged (a resync does not find it) stays until it ages out on this clock', () => {
    const { table, advance, instances } = setup();
    table.put('p1', 1, rec('p1'));
    table.put('p2', 2, rec('p2'));
    table.takeSnapshot();
    table.unhealthy();
    advance(10 * ttl);
    table.healthy();
    // The resync finds only p2 (re-put at once); p1's provider reconnects a little later.
    table.put('p2', 3, rec('p2'));
    table.expire();
    expect(table.takeSnapshot()).toBeUndefined();
    advance(ttl / 2);
    table.put('p1', 4, rec('p1'));
    table.put('p2', 5, rec('p2'));
    advance(ttl / 2 + 1);
    table.expire();
    expect(table.takeSnapshot()).toBeUndefined();
    // A provider that never comes back goes one TTL after it was last heard of.
    advance(ttl);
    table.put('p2', 6, rec('p2'));
    table.expire();
    expect(instances()).toEqual(['p2']);
  });

  test('a record already older than the TTL when first read is held back until it is re-put', () => {
    const { table } = setup();
    table.put('dead', 1, rec('dead'), ttl + 5000);
    table.put('live', 2, rec('live'), 300);
    expect(table.takeSnapshot()!.byService.get('a.Echo')!.map((e) => e.instance)).toEqual(['live']);
    table.put('dead', 9, rec('dead'), 0);
    expect(table.takeSnapshot()!.byService.get('a.Echo')!.map((e) => e.instance)).toEqual(['dead', 'live']);
  });
});

describe('EndpointTable: incremental snapshots', () => {
  test('a heartbeat that changes nothing builds no snapshot; a change rebuilds only its services', () => {
    const { table } = setup();
    table.put('p1', 1, rec('p1', ['a.Echo']));
    table.put('p2', 2, rec('p2', ['b.Other']));
    const first = table.takeSnapshot()!;
    table.put('p1', 3, rec('p1', ['a.Echo']));
    table.put('p2', 4, rec('p2', ['b.Other']));
    expect(table.takeSnapshot()).toBeUndefined();
    table.put('p1', 5, rec('p1', ['a.Echo'], '10.0.0.9:1'));
    const second = table.takeSnapshot()!;
    expect(second).not.toBe(first);
    expect(second.byService.get('a.Echo')![0].address).toBe('10.0.0.9:1');
    // The untouched service's list is the very same frozen array.
    expect(second.byService.get('b.Other')).toBe(first.byService.get('b.Other'));
    expect(Object.isFrozen(second.byService.get('a.Echo'))).toBe(true);
  });

  test('a provider that moves to another service leaves the old one', () => {
    const { table } = setup();
    table.put('p1', 1, rec('p1', ['a.Echo']));
    table.takeSnapshot();
    table.put('p1', 2, rec('p1', ['b.Other']));
    const snap = table.takeSnapshot()!;
    expect(snap.byService.has('a.Echo')).toBe(false);
    expect(snap.byService.get('b.Other')!.map((e) => e.instance)).toEqual(['p1']);
  });
});

describe('Backoff', () => {
  test('grows to its cap, jittered within the upper half, and starts again after reset', () => {
    const b = new Backoff(250, 5000, () => 1);
    expect([1, 2, 3, 4, 5, 6, 7].map(() => b.next())).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000]);
    b.reset();
    expect(new Backoff(250, 5000, () => 0).next()).toBe(125);
    expect(b.next()).toBe(250);
  });
});

test('records held back as stale are shown when none read was fresh (JetStream could not store heartbeats)', () => {
  const { table } = setup();
  table.put('p1', 1, rec('p1'), ttl + 1);
  expect(table.takeSnapshot()!.byService.has('a.Echo')).toBe(false);
  table.promoteHeldBack();
  expect(table.takeSnapshot()!.byService.get('a.Echo')!.map((e) => e.instance)).toEqual(['p1']);
});
