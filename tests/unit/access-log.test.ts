import { AccessLog, AccessRecord, accessRecord, formatRecord, traceIdOf } from '../../src/telemetry/access-log';
import { matches } from '../../src/node/access-log-follower';
import { compose, OutboundCall, OutboundReply } from '../../src/sidecar/outbound/call';
import { telemetryLayer } from '../../src/sidecar/outbound/telemetry-layer';
import { traceLayer } from '../../src/sidecar/outbound/trace-layer';
import { Metrics } from '../../src/telemetry/metrics';
import { MeshError } from '../../src/errors/mesh-error';
import { CancelToken } from '../../src/timing/cancel-token';

const rec = (over: Partial<AccessRecord> = {}): AccessRecord => ({
  time: '2026-01-01T00:00:00.000Z',
  direction: 'outbound',
  requestId: 'r1',
  traceId: null,
  caller: 'app',
  service: 'pkg.Svc',
  method: 'Get',
  code: 'OK',
  durationMs: 1,
  attempts: 1,
  subset: null,
  provider: '127.0.0.1:1',
  convertMs: 0.01,
  ...over,
});

describe('access-log buffer', () => {
  test('keeps records up to its capacity, then drops and counts', () => {
    const log = new AccessLog({ sample: 1, slowMs: 1000, capacity: 3 });
    for (let i = 0; i < 5; i++) log.add(rec({ requestId: `r${i}` }));
    expect(log.size).toBe(3);
    expect(log.dropped).toBe(2);
    expect(log.drain().map((r) => r.requestId)).toEqual(['r0', 'r1', 'r2']);
    expect(log.size).toBe(0);
    log.add(rec({ requestId: 'again' }));
    expect(log.drain().map((r) => r.requestId)).toEqual(['again']);
    expect(log.render()).toContain('transmesh_access_log_dropped_total 2');
  });

  test('sampling keeps every error and slow call, and the configured share of the rest', () => {
    let next = 0;
    const draws = [0.05, 0.5, 0.95, 0.2];
    const log = new AccessLog({ sample: 0.25, slowMs: 100, capacity: 100 }, () => draws[next++ % draws.length]);
    expect(log.keeps('UNAVAILABLE', 1)).toBe(true);
    expect(log.keeps('OK', 150)).toBe(true);
    expect(next).toBe(0); // errors and slow calls never draw
    const kept = [1, 2, 3, 4].map(() => log.keeps('OK', 1));
    expect(kept).toEqual([true, false, false, true]);
    expect(log.sampledOut).toBe(2);
    const none = new AccessLog({ sample: 0, slowMs: 100, capacity: 100 }, () => 0);
    expect(none.keeps('OK', 1)).toBe(false);
    expect(none.keeps('INTERNAL', 1)).toBe(true);
    // A per-call share (a service's, from policy) overrides the sidecar's.
    expect(none.keeps('OK', 1, 1)).toBe(true);
  });

  test('records hold exactly the contract keys plus convertMs', () => {
    const parsed = accessRecord.parse({ ...rec(), extra: 'dropped' });
    expect(Object.keys(parsed)).toEqual(['time', 'direction', 'requestId', 'traceId', 'caller', 'service', 'method', 'code', 'durationMs', 'attempts', 'subset', 'provider', 'convertMs']);
  });

  test('trace ids come from a valid traceparent only', () => {
    expect(traceIdOf('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(traceIdOf('00-00000000000000000000000000000000-00f067aa0ba902b7-01')).toBeNull();
    expect(traceIdOf('garbage')).toBeNull();
    expect(traceIdOf(undefined)).toBeNull();
  });

  test('filters of transmesh logs and the readable line', () => {
    expect(matches(rec(), { service: 'pkg.Svc', caller: 'app' })).toBe(true);
    expect(matches(rec(), { service: 'other.Svc' })).toBe(false);
    expect(matches(rec(), { caller: 'other' })).toBe(false);
    expect(matches(rec(), { errors: true })).toBe(false);
    expect(matches(rec({ code: 'NOT_FOUND' }), { errors: true })).toBe(true);
    const line = formatRecord(rec({ code: 'NOT_FOUND', attempts: 2, traceId: 'abc' }));
    expect(line).toContain('app → pkg.Svc/Get NOT_FOUND');
    expect(line).toContain('attempts=2');
    expect(line).toContain('trace=abc');
  });
});

describe('outbound layers that observe', () => {

  const newCall = (method: string, metadata: Record<string, string> = {}): OutboundCall => ({
    service: 'pkg.Svc',
    method,
    body: '{}',
    requestId: `id-${method}`,
    caller: 'app',
    int64AsNumber: false,
    timeoutHeader: undefined,
    metadata,
    headers: {},
    cancel: new CancelToken(),
    startedAt: performance.now(),
    deadline: 0,
    route: undefined,
    policy: undefined,
  });

  test('each call leaves one record with what the inner layers filled in, and a span per call', async () => {
    const log = new AccessLog();
    const metrics = new Metrics();
    const spans: Array<{ parent: string | undefined; ended?: unknown[] }> = [];
    const tracer = {
      start: (_d: string, _c: string, _s: string, _m: string, parent: string | undefined) => {
        const span: { parent: string | undefined; ended?: unknown[] } = { parent };
        spans.push(span);
        return { traceId: 'ab'.repeat(16), traceparent: `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01`, end: (...a: unknown[]) => (span.ended = a) };
      },
      shutdown: async () => undefined,
    };
    const handler = compose<OutboundCall, OutboundReply>([telemetryLayer(metrics, log), traceLayer(tracer)], async (c) => {
      c.route = { entry: { model: { protocol: 'thrift', rpcSystem: 'apache_thrift' } } as never, method: {} as never };
      c.provider = '10.0.0.9:15006';
      c.attempts = 2;
      c.subset = 'v2';
      c.convertMs = 0.5;
      if (c.method === 'Bad') throw new MeshError('UNAVAILABLE', 'down');
      return { json: '{}', metadata: {} };
    });
    const appParent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const okCall = newCall('Get', { traceparent: appParent });
    await handler(okCall);
    await expect(handler(newCall('Bad'))).rejects.toThrow('down');
    // The provider gets the span's traceparent, child of the app's.
    expect(okCall.metadata.traceparent).toBe(`00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01`);
    expect(spans.map((s) => s.parent)).toEqual([appParent, undefined]);
    expect(spans.map((s) => s.ended)).toEqual([['OK', 'apache_thrift', '10.0.0.9:15006'], ['UNAVAILABLE', 'apache_thrift', '10.0.0.9:15006']]);
    const records = log.drain();
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({ direction: 'outbound', requestId: 'id-Get', traceId: 'ab'.repeat(16), caller: 'app', service: 'pkg.Svc', method: 'Get', code: 'OK', attempts: 2, subset: 'v2', provider: '10.0.0.9:15006', convertMs: 0.5 });
    expect(records[1]).toMatchObject({ requestId: 'id-Bad', code: 'UNAVAILABLE' });
    expect(metrics.render()).toContain('transmesh_conversion_duration_seconds_count{service="pkg.Svc",method="Get"} 1');
  });
});
