import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { runConversion } from './conversion';
import { runEndToEnd, Window } from './end-to-end';
import { runTransmeshOn, startMesh } from './mesh-env';
import { BenchOptions, parseOptions } from './options';
import { repoRoot, resultsDir } from './paths';
import { itemJson, thriftArgsJson } from './payload';
import { profileProtocol, ProfileResult } from './profile-run';
import { policyLayersTable, runPolicyLayers } from './policy-layers';
import { compareRows, compareTable, ComparedWindow } from './compare';
import { runPeers, runScaling, runVariants } from './extra-runs';
import { runNativeGrpc } from './native-grpc';
import { runPhpProvider } from './php-provider';
import { runStreaming, streamingTable, type StreamingFigures } from './streaming';
import { featureFigures, featureGoals, FeatureRuns, featureTable, runFeatures } from './feature-runs';
import { conversionTable, costTable, goalsTable, latencyTable, profileTable, throughputTable } from './report';
import { conversionChecks, costFigures, Goal, latencyFigures, throughputFigures } from './summary';
import { issue23Goals, MemoryFigures, NotRun } from './goals';
import { peerFamilies, peersSideBySide } from './peers-table';
import { resolveRuntime, runtimeLine } from './runtime';
import { sampleUsage } from './proc-usage';

/**
 * `npm run bench`: the mesh against a direct call, side by side, in one run. See
 * docs/performance.md for what each figure means and the results so far.
 */
async function main(): Promise<number> {
  let opts: BenchOptions;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    return 2;
  }
  const started = new Date();
  const progress = (m: string) => process.stderr.write(`[bench ${((Date.now() - started.getTime()) / 1000).toFixed(1)}s] ${m}\n`);
  // Node 24 unless --node says otherwise; every Transmesh process started from here on runs on it.
  const runtime = opts.skipMesh && !opts.profile ? resolveRuntime('system') : resolveRuntime(opts.node);
  if (runtime.fallback) progress(`runtime: ${runtime.fallback}`);
  runTransmeshOn(runtime.node);
  const meta = {
    date: started.toISOString(),
    command: `node ${relative(repoRoot, process.argv[1])} ${process.argv.slice(2).join(' ')}`.trim(),
    mode: opts.quick ? 'quick (proves the benchmark works; not for judging speed)' : 'full',
    node: process.version,
    /** What the sidecars and the control plane ran on (bench/runtime.ts); `fallback` says why it is not the one asked for. */
    runtime,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 1e8) / 10,
    loadAvgBefore: loadavg(),
    loadAvgAfter: [] as number[],
    peerHop: '',
    note: `All processes (nats-server, control plane, both sidecars, both providers and the load generator in this process) share the machine's ${cpus().length} cores, which other work may also be using. Sidecars and control plane run on Node ${runtime.version}, providers and load generator on ${process.version}.`,
  };
  const config = { ...opts };

  let conversion: ReturnType<typeof runConversion> | undefined;
  if (!opts.skipConversion) {
    progress('conversion microbenchmark');
    conversion = runConversion(opts.conversionReps, opts.conversionTargetMs);
  }

  let policyLayers: Awaited<ReturnType<typeof runPolicyLayers>> | undefined;
  if (!opts.skipConversion) {
    progress('outbound stack with and without a policy');
    policyLayers = await runPolicyLayers(opts.reps, opts.quick ? 5_000 : 50_000);
  }

  let windows: Window[] = [];
  let idleRssMb: Record<string, number> | undefined;
  let scaling: ComparedWindow[] | undefined;
  let variants: ComparedWindow[] | undefined;
  let peers: { windows: ComparedWindow[]; missing: string[] } | undefined;
  let native: { windows: ComparedWindow[]; missing: string[] } | undefined;
  let php: { windows: ComparedWindow[]; missing: string[] } | undefined;
  let features: FeatureRuns | undefined;
  let streaming: StreamingFigures | undefined;
  let peerHop = 'plain';
  /** VmHWM of the main mesh's sidecars at the end: their peak over every run above. */
  let mainPeakRssMb: { consumerSidecar: number; providerSidecar: number } | undefined;
  if (!opts.skipMesh) {
    progress(`starting nats-server, control plane${opts.features ? ' with a CA' : ''}, providers and two sidecars`);
    const env = await startMesh({ nodeFlags: opts.sidecarNodeFlags, ca: opts.features }, { grpc: itemJson(), thrift: thriftArgsJson(itemJson()) });
    peerHop = env.peerHop;
    try {
      if (!opts.skipMain) ({ windows, idleRssMb } = await runEndToEnd(env, opts, progress));
      if (!opts.skipMain) streaming = await runStreaming(env, opts, progress);
      if (opts.variants.length) variants = await runVariants(env, opts, progress);
      if (opts.scaling) scaling = await runScaling(env, opts, progress);
      if (opts.peers) peers = await runPeers(env, opts, progress);
      if (opts.native) native = await runNativeGrpc(env, opts, progress);
      if (opts.php) php = await runPhpProvider(env, opts, progress);
      if (opts.features) features = await runFeatures(env, opts, progress);
      mainPeakRssMb = { consumerSidecar: sampleUsage(env.consumer.pid).peakRssMb, providerSidecar: sampleUsage(env.provider.pid).peakRssMb };
    } finally {
      await env.stop();
    }
  }

  const profiles: ProfileResult[] = [];
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  if (opts.profile) {
    for (const protocol of ['grpc', 'thrift'] as const) {
      progress(`profiling the sidecars on ${protocol}`);
      profiles.push(await profileProtocol(protocol, join(resultsDir, `profiles-${stamp}`), opts, progress));
    }
  }
  meta.loadAvgAfter = loadavg();
  meta.peerHop = peerHop;

  const tp = windows.length ? throughputFigures(windows) : undefined;
  const lat = windows.length ? latencyFigures(windows, opts.rate) : undefined;
  const cost = windows.length ? costFigures(windows, 'mesh') : undefined;
  const directCost = windows.length ? costFigures(windows, 'direct') : undefined;
  const figures = features && featureFigures(features, opts.rate);
  const gs = issue23Goals({
    rate: opts.rate,
    main: tp && lat && cost ? { tp, lat, cost } : notRun(opts.skipMesh ? '--no-mesh' : '--no-main'),
    streaming: streaming ?? notRun(opts.skipMesh ? '--no-mesh' : '--no-main'),
    peers: peers ?? notRun(opts.skipMesh ? '--no-mesh' : '--peers'),
    native: native ?? notRun(opts.skipMesh ? '--no-mesh' : opts.quick ? '--native or --peers' : '--no-native'),
    php: php ?? notRun(opts.skipMesh ? '--no-mesh' : opts.quick ? '--php or --peers' : '--no-php'),
    memory: memoryFigures(features, mainPeakRssMb, peerHop) ?? notRun('--no-mesh'),
  });
  // Targets of earlier issues, still checked: the codec, the policy's layers, the features' costs.
  const checks: Goal[] = conversionChecks(conversion?.cases ?? []);
  if (policyLayers) checks.push({ goal: 'outbound stack CPU with / without a policy', target: '<= 1.05', value: policyLayers.ratio.median, met: policyLayers.ratio.median <= 1.05 });
  if (policyLayers) checks.push({ goal: 'outbound stack CPU with / without a large quota', target: '<= 1.03', value: policyLayers.quotaRatio.median, met: policyLayers.quotaRatio.median <= 1.03 });
  if (figures) checks.push(...featureGoals(figures));
  const extra = [...(variants ?? []), ...(scaling ?? []), ...(peers?.windows ?? []), ...(native?.windows ?? []), ...(php?.windows ?? []), ...(features?.windows ?? []), ...(features?.policy ?? [])];
  const errors = windows.reduce((n, w) => n + w.errors, 0) + extra.reduce((n, w) => n + w.errors, 0);

  const out = opts.out ?? join(resultsDir, `${stamp}.json`);
  mkdirSync(dirname(out), { recursive: true });
  const result = {
    meta,
    config,
    message: conversion?.messageBytes,
    throughput: tp,
    latency: lat,
    cost: cost && { mesh: cost, direct: directCost, idleRssMb },
    conversion: conversion?.cases,
    policyLayers,
    streaming,
    goals: gs,
    checks,
    mainPeakRssMb,
    errors,
    profiles: profiles.length ? profiles : undefined,
    variants: variants && { specs: opts.variants, rows: compareRows(variants), windows: variants },
    scaling: scaling && { rows: compareRows(scaling), windows: scaling },
    peers: peers && { rows: compareRows(peers.windows), missing: peers.missing, windows: peers.windows },
    native: native && { rows: native.windows.length ? compareRows(native.windows) : [], missing: native.missing, windows: native.windows },
    php: php && { rows: php.windows.length ? compareRows(php.windows) : [], missing: php.missing, windows: php.windows },
    features: features && { mainHop: features.mainHop, otlpPosts: features.otlpPosts, allOnPeakRssMb: features.allOnPeakRssMb, figures, rows: compareRows(features.windows), policyRows: compareRows(features.policy), windows: features.windows, policyWindows: features.policy },
    windows: windows.map((w) => ({ ...w })),
  };
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');

  const sections: string[] = [`Transmesh benchmark, ${meta.date}, ${meta.mode}; ${runtimeLine(runtime)}; ${meta.cpus} cores (${meta.cpuModel}), load average before ${meta.loadAvgBefore.map((x) => x.toFixed(2)).join(' ')}`, meta.note];
  if (tp) sections.push(throughputTable(tp, opts.inFlight, peerHop));
  if (lat) sections.push(latencyTable(lat, opts.connections, peerHop));
  if (cost) sections.push(costTable(cost, directCost, idleRssMb, peerHop));
  if (conversion) sections.push(conversionTable(conversion.cases, conversion.messageBytes));
  if (policyLayers) sections.push(policyLayersTable(policyLayers));
  if (streaming) sections.push(streamingTable(streaming));
  const loops = `closed loop at ${opts.inFlight} in flight unless said; open loop at ${opts.rate}/s; median [min..max]; hop = the processes between client and provider`;
  if (variants) sections.push(compareTable(`gRPC, consumer sidecar variants (${opts.variants.join('; ')}) (${loops})`, compareRows(variants)));
  if (scaling) sections.push(compareTable(`gRPC as the work grows (${loops})`, compareRows(scaling)));
  if (opts.peers) sections.push(peersSideBySide(peerFamilies(peers, native, php), opts.rate));
  if (peers) sections.push(compareTable(`gRPC peers in front of the same provider (${loops})`, compareRows(peers.windows)) + peers.missing.map((m) => `\nleft out: ${m}`).join(''));
  for (const [title, run] of [
    [`native gRPC, ghz as the client (${loops})`, native],
    [`PHP-FPM over FastCGI behind the mesh and behind nginx, same pool (${loops})`, php],
  ] as const) {
    if (!run) continue;
    const left = run.missing.map((m) => `left out: ${m}`).join('\n');
    sections.push(run.windows.length ? compareTable(title, compareRows(run.windows)) + (left ? `\n${left}` : '') : left);
  }
  if (features) {
    sections.push(compareTable(`gRPC, features on and off: both peer hops, consumer tracing (${features.otlpPosts} OTLP exports received) and access log (${loops})`, compareRows(features.windows)));
    sections.push(compareTable(`gRPC, peer hop ${features.mainHop}, a policy applied and deleted between windows (${loops})`, compareRows(features.policy)));
    if (figures) sections.push(featureTable(figures));
  }
  for (const p of profiles) sections.push(profileTable(p));
  if (checks.length) sections.push(goalsTable(checks, 'Targets of earlier issues, still checked (medians)'));
  sections.push(goalsTable(gs, `Goals of issue 23 (medians; ratios paired per repetition; sidecars on Node ${runtime.version})`));
  sections.push(`${errors ? `${errors} calls FAILED; ` : ''}results: ${relative(process.cwd(), out)}`);
  process.stdout.write(sections.join('\n\n') + '\n');
  return errors ? 1 : 0;
}

const notRun = (why: string): NotRun => ({ notRun: why });

/**
 * The memory goal's figures: with --features, the tracing consumer and the main provider sidecar
 * after the windows with every feature on at once; otherwise the main mesh's sidecars, shown
 * but not judged.
 */
function memoryFigures(features: FeatureRuns | undefined, main: { consumerSidecar: number; providerSidecar: number } | undefined, hop: string): MemoryFigures | undefined {
  if (features) return { ...features.allOnPeakRssMb, label: `features run: peer hop ${features.mainHop}, policy, access log, tracing on the consumer`, judged: true };
  if (main) return { ...main, label: `main mesh: peer hop ${hop}, access log; no policy, no tracing`, judged: false };
  return undefined;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error)?.stack ?? err}\n`);
    process.exit(1);
  },
);
