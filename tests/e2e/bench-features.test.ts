import { BenchRun, runBench } from '../helpers/bench-run';

jest.setTimeout(180000);

/**
 * Proves `--features` works: the main mesh on a CA (mTLS), a second one on plain TCP, the tracing and
 * access-log consumers and the policy toggled between windows, every call answered and every
 * ratio in the goals. One repetition of short windows: it judges no speed.
 */
describe('bench --quick --features', () => {
  let run: BenchRun;
  let result: any;

  beforeAll(async () => {
    run = await runBench(['--quick', '--no-conversion', '--no-main', '--features', '--reps', '1', '--rate', '300']);
    result = run.result;
  });

  test('exits 0 with every call answered, on an mTLS mesh, and says so', () => {
    if (run.code !== 0) throw new Error(`bench exited ${run.code}\n${run.stderr.slice(-3000)}`);
    expect(result.errors).toBe(0);
    expect(result.meta.peerHop).toBe('mTLS');
    expect(run.stdout).toContain('features on and off');
    expect(run.stdout).toContain('a policy applied and deleted');
  });

  test('every feature path ran both loops; the tracing consumer exported to the sink', () => {
    const paths = ['mesh, peer hop mTLS', 'mesh, peer hop plain', 'mesh, peer hop mTLS, consumer tracing on (OTLP)', 'mesh, peer hop mTLS, consumer access log off', 'direct grpc-js'];
    for (const rows of [result.features.rows, result.features.policyRows]) for (const r of rows) expect(r.callsPerSec.median).toBeGreaterThan(0);
    expect(result.features.rows.map((r: any) => `${r.kind} ${r.path}`).sort()).toEqual(paths.flatMap((p) => [`closed ${p}`, `open ${p}`]).sort());
    const allOn = 'mesh, policy applied, consumer tracing on (OTLP), access log on';
    expect(result.features.policyRows.map((r: any) => `${r.kind} ${r.path}`).sort()).toEqual(['closed mesh, no policy', 'closed mesh, policy applied', `closed ${allOn}`, 'open mesh, no policy', 'open mesh, policy applied', `open ${allOn}`].sort());
    expect(result.features.otlpPosts).toBeGreaterThan(0);
  });

  test("issue 23's memory goal is judged on the sidecars that ran with every feature on", () => {
    const rows = result.goals.filter((g: any) => g.goal.includes('peak RSS'));
    expect(rows).toHaveLength(2);
    for (const g of rows) {
      expect(g.goal).toContain('features run: peer hop mTLS, policy, access log, tracing on the consumer');
      expect(g.value).toBeGreaterThan(0);
      expect(typeof g.met).toBe('boolean');
    }
  });

  test('the checks hold a finite ratio for mTLS, the policy, tracing and the access log', () => {
    const goals = new Map<string, number>(result.checks.map((g: any) => [g.goal, g.value]));
    for (const prefix of ['peer hop mTLS / plain: calls/s', 'policy (routes', 'tracing (OTLP', 'access log on', 'mesh, peer hop plain: throughput ratio', 'mesh, peer hop mTLS: throughput ratio']) {
      const hits = [...goals].filter(([k]) => k.startsWith(prefix));
      expect(hits.length).toBeGreaterThan(0);
      for (const [, v] of hits) expect(Number.isFinite(v) && v > 0).toBe(true);
    }
  });
});
