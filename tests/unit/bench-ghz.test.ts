import { ghzArgs, parseGhzReport } from '../../bench/ghz';
import { NATIVE_DIRECT, NATIVE_MESH, nativeGoals } from '../../bench/native-grpc';
import type { ComparedWindow } from '../../bench/compare';
import { PHP_MESH, PHP_NGINX, phpGoals } from '../../bench/php-provider';

/** The bench's native gRPC rows read ghz's JSON report and judge issue 23's goals from it. */
describe('ghz in the bench', () => {
  const report = {
    count: 1000,
    rps: 2000,
    latencyDistribution: [
      { percentage: 50, latency: 1_500_000 },
      { percentage: 99, latency: 9_000_000 },
    ],
    statusCodeDistribution: { OK: 990, Unavailable: 10 },
    errorDistribution: { 'rpc error: code = Unavailable desc = no provider': 10 },
  };

  test('the report: successful calls, their share of the rate, percentiles in ms, the first error', () => {
    expect(parseGhzReport(JSON.stringify(report))).toEqual({ count: 990, rate: 1980, p50Ms: 1.5, p99Ms: 9, errors: 10, firstError: 'rpc error: code = Unavailable desc = no provider' });
  });

  test('a report with no latencies (every call failed) has no percentiles, not zeros', () => {
    const r = parseGhzReport(JSON.stringify({ count: 5, rps: 10, latencyDistribution: null, statusCodeDistribution: { Unavailable: 5 }, errorDistribution: null }));
    expect(r).toMatchObject({ count: 0, rate: 0, errors: 5 });
    expect(r.p50Ms).toBeNaN();
  });

  test('closed loop has no rate limit; open loop paces at the rate; calls in flight at the end are waited for', () => {
    const base = { target: '127.0.0.1:1', proto: '/x/b.proto', call: 'b.B.Put', dataFile: '/x/d.json', concurrency: 64, connections: 4, durationMs: 1200 };
    const closed = ghzArgs(base);
    expect(closed).not.toContain('--rps');
    expect(closed.slice(-1)).toEqual(['127.0.0.1:1']);
    expect(closed.join(' ')).toContain('-z 1200ms --duration-stop wait -O json');
    expect(closed.join(' ')).toContain('--import-paths /x');
    expect(ghzArgs({ ...base, rps: 500 }).join(' ')).toContain('--rps 500');
  });

  test('goals: calls/s paired per repetition, each sidecar at the fixed rate against 150 µs per call', () => {
    const w = (path: string, kind: 'closed' | 'open', rep: number, rate: number, us: Record<string, number> = {}): ComparedWindow => ({ path, kind, rep, rate, p50Ms: 1, p99Ms: 2, errors: 0, usPerCall: { hop: 0, ...us }, rssMb: {} });
    const goals = nativeGoals(
      [
        w(NATIVE_MESH, 'closed', 0, 900),
        w(NATIVE_DIRECT, 'closed', 0, 1000),
        w(NATIVE_MESH, 'closed', 1, 500),
        w(NATIVE_DIRECT, 'closed', 1, 1000),
        w(NATIVE_MESH, 'open', 0, 500, { consumerSidecar: 100, providerSidecar: 200 }),
        w(NATIVE_MESH, 'open', 1, 500, { consumerSidecar: 140, providerSidecar: 220 }),
      ],
      500,
    );
    expect(goals.map((g) => [g.goal, g.value, g.met])).toEqual([
      ['native gRPC calls/s, mesh / direct (ghz, paired)', 0.7, false],
      ['native gRPC consumerSidecar vCPU per 1000 calls/s (at 500/s)', 0.12, true],
      ['native gRPC providerSidecar vCPU per 1000 calls/s (at 500/s)', 0.21, false],
    ]);
    // Not run: every row is still there, saying why, with no verdict.
    expect(nativeGoals([], 500, 'ghz not found')).toEqual([
      { goal: 'native gRPC calls/s, mesh / direct (ghz, paired)', target: '>= 0.9', value: NaN, note: 'not run (ghz not found)' },
      { goal: 'native gRPC consumerSidecar vCPU per 1000 calls/s (at 500/s)', target: '<= 0.15', value: NaN, note: 'not run (ghz not found)' },
      { goal: 'native gRPC providerSidecar vCPU per 1000 calls/s (at 500/s)', target: '<= 0.15', value: NaN, note: 'not run (ghz not found)' },
    ]);
  });
});

describe('the FastCGI goal', () => {
  const w = (path: string, rep: number, us: Record<string, number>): ComparedWindow => ({ path, kind: 'open', rep, rate: 500, p50Ms: 1, p99Ms: 2, errors: 0, usPerCall: { hop: 0, ...us }, rssMb: {} });
  test('the PHP provider sidecar against nginx fastcgi_pass, CPU per call at the fixed rate, paired per repetition', () => {
    // Per repetition 300/100, 200/125, 250/150: 3, 1.6, 1.67; the median is 1.67 (the ratio of medians would say 2).
    const goals = phpGoals([w(PHP_MESH, 0, { phpProviderSidecar: 300 }), w(PHP_MESH, 1, { phpProviderSidecar: 200 }), w(PHP_MESH, 2, { phpProviderSidecar: 250 }), w(PHP_NGINX, 0, { nginx: 100 }), w(PHP_NGINX, 1, { nginx: 125 }), w(PHP_NGINX, 2, { nginx: 150 })], 500);
    expect(goals).toEqual([{ goal: 'PHP provider sidecar / nginx fastcgi_pass CPU per call (at 500/s)', target: '<= 1', value: 250 / 150, met: false }]);
    expect(phpGoals([w(PHP_MESH, 0, { phpProviderSidecar: 100 }), w(PHP_NGINX, 0, { nginx: 125 })], 500)[0]).toMatchObject({ value: 0.8, met: true });
    expect(phpGoals([w(PHP_MESH, 0, { phpProviderSidecar: 300 })], 500, 'nginx fastcgi_pass: not installed')).toEqual([
      { goal: 'PHP provider sidecar / nginx fastcgi_pass CPU per call (at 500/s)', target: '<= 1', value: NaN, note: 'not run (nginx fastcgi_pass: not installed)' },
    ]);
  });
});
