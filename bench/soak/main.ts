import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resultsDir } from '../paths';
import { flatness, type Flatness, type FlatnessRule } from './flatness';
import { metricUnits, Sampler, type Metric } from './sampler';
import { SoakMesh } from './soak-mesh';
import { NatsProbe } from './nats-probe';
import { jsonCalls, nativeGrpcCalls } from './soak-calls';
import { SteadyLoad } from './steady-load';

/**
 * `npm run soak -- --minutes N`: the mesh of `npm run demo` with a CA and a policy under steady
 * mixed load (JSON, native gRPC) for N minutes; every minute an IDL push and a policy apply (certificates live
 * 2 minutes, so every sidecar renews every minute); every few minutes a provider sidecar or a
 * provider restarted. Every process's RSS, heap, open fds and event-loop lag, and nats-server's
 * consumers, connections and subscriptions, are sampled every 10 s; after a warm-up each series
 * gets a least-squares slope, and it is flat when that line gains less than a tolerance of its
 * mean over the run (bench/soak/flatness.ts). Exits 1 when any judged series grows.
 */

/** How much growth over the run each kind of series may show, and the least mean it is taken of. */
const rules: Record<Metric, Omit<FlatnessRule, 'from'>> = {
  rss: { tolerance: 0.1, floor: 1 },
  rssAnon: { tolerance: 0.1, floor: 1 },
  heap: { tolerance: 0.1, floor: 1 },
  fds: { tolerance: 0.1, floor: 10 },
  timers: { tolerance: 0.1, floor: 20 },
  lagP99: { tolerance: 0.5, floor: 20 },
  varzMem: { tolerance: 0.1, floor: 1 },
  goHeap: { tolerance: 0.1, floor: 1 },
  goHeapHeld: { tolerance: 0.1, floor: 1 },
  goroutines: { tolerance: 0.1, floor: 20 },
  streams: { tolerance: 0.1, floor: 10 },
  consumers: { tolerance: 0.1, floor: 10 },
  // Should be 0: a fitted gain of half a consumer over the run is one left behind.
  orphanConsumers: { tolerance: 0.5, floor: 1 },
  // What JetStream keeps: IDL versions and policy revisions (kept for rollback), quota windows (2-day TTL).
  stored: { tolerance: 0.1, floor: 1 },
  subjects: { tolerance: 0.1, floor: 10 },
  connections: { tolerance: 0.1, floor: 10 },
  subscriptions: { tolerance: 0.1, floor: 20 },
  subsCache: { tolerance: 0.1, floor: 100 },
  natsSubs: { tolerance: 0.1, floor: 20 },
  natsConsumers: { tolerance: 0.1, floor: 10 },
};
/** Series of data the mesh keeps on purpose: shown, not judged. */
const keptOnPurpose = new Set<Metric>(['stored', 'subjects']);
/** Processes that are not the mesh's: shown, not judged. */
const notOurs = new Set(['java users', 'java orders']);

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  return v;
}

const PREFILL_PUSHES = 32;

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const minutes = arg(args, '--minutes', 30);
  const rate = arg(args, '--rate', 30);
  const sampleMs = arg(args, '--sample-seconds', 10) * 1000;
  const warmupMs = arg(args, '--warmup-minutes', Math.min(5, minutes / 5)) * 60_000;
  const restartEveryMs = arg(args, '--restart-minutes', 3) * 60_000;
  const started = Date.now();
  const progress = (m: string) => process.stderr.write(`[soak ${((Date.now() - started) / 60_000).toFixed(1)} min] ${m}\n`);

  const mesh = new SoakMesh('2m');
  // Ctrl-C or a kill stops the mesh too: its processes would otherwise outlive the soak.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void mesh.stop().finally(() => process.exit(130)));
  const opsFailed: string[] = [];
  let restarts = 0;
  try {
    await mesh.start(progress);
    // The control plane keeps the 32 most recently used compiled IDL versions (src/registry/idl-store.ts),
    // one per push: filled before the load, so the run sees that cache full, not filling (a 30-minute
    // run with one push a minute read its heap +3.3 MB, the cache's 30 first entries).
    progress(`filling the control plane's cache of compiled IDL versions (${PREFILL_PUSHES} pushes)`);
    for (let i = 0; i < PREFILL_PUSHES; i++) await mesh.pushIdl();
    const t0 = Date.now();
    const end = t0 + minutes * 60_000;
    // Streaming calls (gRPC server streaming, NDJSON/SSE) join as one more CallSet here.
    const sets = [jsonCalls(mesh.consumerUrl), nativeGrpcCalls(new URL(mesh.consumerUrl).host)];
    for (const set of sets) await set.prime?.();
    const load = new SteadyLoad(sets, rate);
    const natsProbe = new NatsProbe(mesh.monitorUrl, mesh.profileUrl);
    const sampler = new Sampler(() => mesh.procs.values(), natsProbe, t0);
    const stamp = new Date(started).toISOString().replace(/[:.]/g, '-');
    const heapProfiles: string[] = [];
    const saveHeapProfile = async (when: string) => {
      const profile = await natsProbe.heapProfile().catch(() => undefined);
      if (!profile) return;
      mkdirSync(resultsDir, { recursive: true });
      const file = join(resultsDir, `soak-${stamp}-nats-heap-${when}.pb.gz`);
      writeFileSync(file, profile);
      heapProfiles.push(file);
    };
    load.start();
    progress(`load: ${rate} calls/s; running ${minutes} min (warm-up ${warmupMs / 60_000} min), sampling every ${sampleMs / 1000} s`);

    const op = async (what: string, f: () => Promise<void>) => {
      try {
        await f();
      } catch (err) {
        opsFailed.push(`${what}: ${(err as Error).message}`);
        progress(`${what} FAILED: ${(err as Error).message}`);
      }
    };
    const sampling = (async () => {
      let warm = false;
      for (let next = t0; next < end; next += sampleMs) {
        await sleepUntil(next);
        await sampler.sample();
        if (!warm && next - t0 >= warmupMs) {
          warm = true;
          await saveHeapProfile('warm');
        }
      }
      await saveHeapProfile('end');
    })();
    const operating = (async () => {
      let minute = 0;
      let nextRestart = t0 + restartEveryMs;
      for (let next = t0 + 60_000; next < end - 10_000; next += 60_000) {
        await sleepUntil(next);
        minute++;
        await op('idl push', () => mesh.pushIdl());
        await op('policy apply', () => mesh.applyPolicy());
        if (Date.now() >= nextRestart) {
          nextRestart += restartEveryMs;
          const sidecar = restarts++ % 2 === 0;
          await op(sidecar ? 'restart orders-service sidecar' : 'restart java users', () => (sidecar ? mesh.restartSidecar('orders-service') : mesh.restartUsersProvider()));
        }
        progress(`minute ${minute}: calls ok ${load.ok}, failed ${load.failed}; ${mesh.counts.pushes} pushes, ${mesh.counts.applies} applies, ${sum(mesh.renewals)} renewals, ${restarts} restarts`);
      }
    })();
    await Promise.all([sampling, operating]);
    load.stop();

    const rows = judge(sampler.series, mesh, warmupMs);
    const report = {
      when: new Date(started).toISOString(),
      minutes,
      rate,
      warmupMinutes: warmupMs / 60_000,
      calls: { ok: load.ok, failed: load.failed, byCall: Object.fromEntries(load.byCall), failures: Object.fromEntries(load.failures) },
      operations: { ...mesh.counts, renewals: Object.fromEntries(mesh.renewals), restarts, failed: opsFailed },
      errorLogs: Object.fromEntries(mesh.errorLines),
      samplingFailures: sampler.failures,
      rows,
      series: Object.fromEntries(sampler.series),
    };
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `soak-${stamp}.json`);
    writeFileSync(file, JSON.stringify(report, null, 1));
    const diff = heapProfiles.length === 2 ? `\n(nats-server's Go heap after the warm-up and at the end: go tool pprof -top -base ${heapProfiles.join(' ')})` : '';
    process.stdout.write(renderReport(report, rows) + `\n(all samples: ${file})${diff}\n`);
    return rows.some((r) => r.verdict === 'GROWS') ? 1 : 0;
  } finally {
    await mesh.stop();
  }
}

interface Row {
  role: string;
  metric: Metric;
  fit?: Flatness;
  verdict: 'flat' | 'stepped, then flat' | 'GROWS' | 'not judged' | 'too few samples';
  note: string;
}

function judge(series: Map<string, Array<{ t: number; v: number }>>, mesh: SoakMesh, warmupMs: number): Row[] {
  const rows: Row[] = [];
  for (const [key, points] of [...series].sort(([a], [b]) => a.localeCompare(b))) {
    const [role, metric] = key.split('|') as [string, Metric];
    const restarted = mesh.procs.get(role)?.restarted ?? 0;
    const fit = flatness(points, { from: warmupMs, ...rules[metric] });
    if (keptOnPurpose.has(metric)) rows.push({ role, metric, fit, verdict: 'not judged', note: 'data kept on purpose: every IDL version and policy revision, quota windows for 2 days' });
    else if (restarted) rows.push({ role, metric, fit, verdict: 'not judged', note: `restarted ${restarted}x on purpose` });
    else if (role.startsWith('transmesh-') || role === 'unnamed') rows.push({ role, metric, fit, verdict: 'not judged', note: 'short-lived CLI connections' });
    else if (notOurs.has(role)) rows.push({ role, metric, fit, verdict: 'not judged', note: 'example provider (Java), not the mesh' });
    else rows.push({ role, metric, fit, verdict: !fit ? 'too few samples' : fit.flat ? 'flat' : fit.settled ? 'stepped, then flat' : 'GROWS', note: '' });
  }
  return rows;
}

function renderReport(report: { minutes: number; rate: number; warmupMinutes: number; calls: { ok: number; failed: number; byCall: Record<string, { ok: number; failed: number }>; failures: Record<string, { count: number; example: string }> }; operations: Record<string, unknown> }, rows: Row[]): string {
  const fmt = (n: number | undefined, d = 1) => (n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(d));
  const lines = [
    `soak: ${report.minutes} min at ${report.rate} calls/s, warm-up ${report.warmupMinutes} min; calls ok ${report.calls.ok}, failed ${report.calls.failed}`,
    `calls by kind: ${Object.entries(report.calls.byCall).map(([k, c]) => `${k} ${c.ok} ok / ${c.failed} failed`).join('; ')}`,
    `operations: ${JSON.stringify(report.operations)}`,
    ...Object.entries(report.calls.failures).map(([k, f]) => `  failed: ${k} x${f.count} ${f.example}`),
    '',
    '| process | series | unit | mean | slope / h | change over the run | verdict |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.role} | ${r.metric} | ${metricUnits[r.metric]} | ${fmt(r.fit?.mean)} | ${fmt(r.fit?.slopePerHour, 2)} | ${fmt(r.fit?.change, 2)} (${fmt(r.fit && r.fit.relativeChange * 100)}%) | ${r.verdict}${r.note ? ` (${r.note})` : ''} |`),
  ];
  return lines.join('\n');
}

const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
const sleepUntil = (at: number) => new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`soak failed: ${(err as Error).stack ?? err}\n`);
    process.exit(2);
  },
);
