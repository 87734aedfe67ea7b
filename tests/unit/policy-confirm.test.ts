import type { KV, KvEntry } from 'nats';
import { awaitConfirmation, isLiveRecord, standing } from '../../src/control-plane/policy-confirm';
import { createLogger } from '../../src/log/logger';
import type { EndpointRecord } from '../../src/registry/records';

const rec = (heartbeatMs: number, extra: Partial<EndpointRecord> = {}): EndpointRecord =>
  ({ instance: 'i-1', app: 'a', address: '127.0.0.1:1', services: [], labels: {}, policies: {}, policyErrors: {}, heartbeatMs, ...extra }) as EndpointRecord;

describe('which sidecars policy apply waits for', () => {
  test('live for 3.5 heartbeats at the default heartbeat', () => {
    expect(isLiveRecord(rec(1000), 0, 3500)).toBe(true);
    expect(isLiveRecord(rec(1000), 0, 3501)).toBe(false);
  });

  test('short heartbeats get at least a heartbeat and 2 s, so a host held up for a moment is still waited for', () => {
    expect(isLiveRecord(rec(200), 0, 2200)).toBe(true);
    expect(isLiveRecord(rec(200), 0, 2201)).toBe(false);
  });

  test('standing: done, pending, or the error reported for the wanted revision', () => {
    const wanted = new Map([['svc', 3]]);
    expect(standing(rec(1000, { policies: { svc: 3 } }), wanted)).toBe('done');
    expect(standing(rec(1000, { policies: { svc: 2 } }), wanted)).toBe('pending');
    expect(standing(rec(1000, { policies: { svc: 2 }, policyErrors: { svc: { revision: 3, error: 'bad' } } }), wanted)).toEqual({ error: 'svc revision 3: bad' });
    // An error about an older revision does not fail the wait for this one.
    expect(standing(rec(1000, { policyErrors: { svc: { revision: 2, error: 'old' } } }), wanted)).toBe('pending');
    expect(standing(rec(1000), new Map([['svc', undefined]]))).toBe('done');
  });

  test('a sidecar whose record the watch delivers only after its current values are complete is still waited for', async () => {
    const wanted = new Map([['svc', 3]]);
    const a = rec(1000, { instance: 'a-1', policies: { svc: 3 } });
    const b = rec(1000, { instance: 'b-1', policies: { svc: 3 } });
    const c = rec(1000, { instance: 'c-1', policies: { svc: 2 } });
    const res = await awaitConfirmation(lateReplay([a, b, c], { ...c, policies: { svc: 3 } }), wanted, 2000, createLogger('test'));
    expect(res).toEqual({ confirmed: ['a/a-1', 'a/b-1', 'a/c-1'], failed: [] });
  });
});

/**
 * A discovery bucket holding `records` whose watch declares its current values complete before
 * the last record's newer heartbeat (`late`) arrives: what nats.js does when that record was
 * replaced while the watch started and another key's newer heartbeat made up its count.
 */
function lateReplay(records: EndpointRecord[], late: EndpointRecord): KV {
  const entry = (r: EndpointRecord) => ({ key: r.instance, value: new TextEncoder().encode(JSON.stringify(r)), operation: 'PUT', created: new Date(), string: () => JSON.stringify(r) }) as unknown as KvEntry;
  const tick = () => new Promise((r) => setTimeout(r, 10));
  return {
    keys: async () => (async function* () {
      for (const r of records) yield r.instance;
    })(),
    get: async (key: string) => entry(records.find((r) => r.instance === key)!),
    watch: async ({ initializedFn }: { initializedFn?: () => void }) => {
      let stopped = false;
      return {
        stop: () => (stopped = true),
        async *[Symbol.asyncIterator]() {
          for (const r of records.slice(0, -1)) yield entry(r);
          initializedFn?.();
          await tick();
          yield entry(late);
          while (!stopped) await tick();
        },
      };
    },
  } as unknown as KV;
}
