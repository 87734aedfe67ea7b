import { isLiveRecord, standing } from '../../src/control-plane/policy-confirm';
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
});
