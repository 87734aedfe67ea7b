import { loadBenchRoot } from './bench-proto';
import { grpcDirectClient } from './clients/grpc-client';
import { httpJsonClient } from './clients/http-client';
import { ComparedPath, comparePaths, ComparedWindow, CompareOptions } from './compare';
import { MeshEnv, SidecarRuntime, startSidecar, untilServed } from './mesh-env';
import type { BenchOptions } from './options';
import { benchService } from './paths';
import { itemForProtobufjs, itemJson } from './payload';
import { GATEWAY, NGINX_GRPC_PASS, Peer, startGrpcGateway, startNginx } from './peers';

/** The runs beyond the main comparison, on gRPC, against the same mesh: how cost grows, and the peers. */

const putPath = `/${benchService}/Put`;
/** The `--peers` windows' own paths (the peers' are named by bench/peers.ts). */
export const PEER_MESH = 'mesh (2 sidecars)';
export const DIRECT_GRPC = 'direct grpc-js';
/** 60 children instead of 4: about 10 KB of JSON instead of 1 KB. */
export const LARGE_CHILDREN = 60;

export function compareOptions(opts: BenchOptions): CompareOptions {
  return { reps: opts.reps, windowMs: opts.throughputMs, warmupMs: opts.warmupMs, firstWarmupMs: opts.firstWarmupMs };
}

export function directGrpc(port: number, children?: number) {
  const Item = loadBenchRoot().lookupType('bench.v1.Item');
  return grpcDirectClient(port, putPath, Item, Item, Item.fromObject(itemForProtobufjs(children)));
}

export async function runAll(paths: Array<ComparedPath & { close(): void }>, opts: BenchOptions, progress: (m: string) => void): Promise<ComparedWindow[]> {
  try {
    return await comparePaths(paths, compareOptions(opts), progress);
  } finally {
    for (const p of paths) p.close();
  }
}

/**
 * Cost per call as the work grows: the ~1 KB message at `inFlight`, a ~10 KB one, and 8x the
 * calls in flight (8x the app's connections too, as 8x the PHP workers would open), mesh and
 * direct, interleaved.
 */
export async function runScaling(env: MeshEnv, opts: BenchOptions, progress: (m: string) => void): Promise<ComparedWindow[]> {
  const sidecars = { consumerSidecar: env.consumer.pid, providerSidecar: env.provider.pid };
  const others = { grpcProvider: env.grpcProvider.pid };
  const many = opts.inFlight * 8;
  const mesh = (name: string, children: number | undefined, inFlight: number, rate?: number) => {
    const c = httpJsonClient(env.consumerUrl, putPath, itemJson(children), inFlight);
    return { name, call: c.call, close: c.close, inFlight, rate, hop: sidecars, others };
  };
  const direct = (name: string, children: number | undefined, inFlight: number, rate?: number) => {
    const c = directGrpc(env.grpcPort, children);
    return { name, call: c.call, close: c.close, inFlight, rate, hop: {}, others };
  };
  // A second consumer sidecar process for the same app: the app's connections split between the
  // two as SO_REUSEPORT would split them (the kernel hashes connections, not calls).
  progress('starting a second consumer sidecar');
  const second = await startSidecar(env.natsUrl, 'bench-app', [], { nodeFlags: opts.sidecarNodeFlags, env: env.appEnv });
  try {
    await untilServed(second.url, putPath, itemJson());
    const halves = [env.consumerUrl, second.url].map((url) => httpJsonClient(url, putPath, itemJson(), opts.inFlight / 2));
    let next = 0;
    const split = {
      name: 'mesh 1 KB, 2 consumer processes',
      call: (done: (err?: Error) => void) => halves[next++ & 1].call(done),
      close: () => halves.forEach((h) => h.close()),
      inFlight: opts.inFlight,
      hop: { ...sidecars, consumerSidecar2: second.proc.pid },
      others,
    };
    return await runAll(
      [
        mesh('mesh 1 KB', undefined, opts.inFlight, opts.rate),
      direct('direct 1 KB', undefined, opts.inFlight, opts.rate),
      mesh('mesh 10 KB', LARGE_CHILDREN, opts.inFlight, opts.rate),
      direct('direct 10 KB', LARGE_CHILDREN, opts.inFlight, opts.rate),
      mesh(`mesh 1 KB x8 in flight (${many})`, undefined, many),
      direct(`direct 1 KB x8 in flight (${many})`, undefined, many),
        split,
      ],
      opts,
      progress,
    );
  } finally {
    await second.proc.stop();
  }
}

/**
 * The peers of issue 15 in front of the same provider: grpc-gateway v2 (same HTTP/JSON client as
 * the mesh) and nginx grpc_pass (same grpc-js client as the direct path), with the mesh and the
 * direct call, interleaved. A peer that cannot start is reported and left out.
 */
export async function runPeers(env: MeshEnv, opts: BenchOptions, progress: (m: string) => void): Promise<{ windows: ComparedWindow[]; missing: string[] }> {
  const others = { grpcProvider: env.grpcProvider.pid };
  const peers: Peer[] = [];
  const missing: string[] = [];
  for (const [name, start] of [
    [GATEWAY, startGrpcGateway],
    [NGINX_GRPC_PASS, startNginx],
  ] as const) {
    progress(`starting ${name}`);
    try {
      peers.push(await start(env.grpcPort));
    } catch (err) {
      missing.push(`${name}: ${(err as Error).message}`);
      progress(`${name} left out: ${(err as Error).message}`);
    }
  }
  try {
    const body = itemJson();
    const paths: Array<ComparedPath & { close(): void }> = [];
    const meshClient = httpJsonClient(env.consumerUrl, putPath, body, opts.inFlight);
    paths.push({ name: PEER_MESH, ...meshClient, inFlight: opts.inFlight, rate: opts.rate, hop: { consumerSidecar: env.consumer.pid, providerSidecar: env.provider.pid }, others });
    const direct = directGrpc(env.grpcPort);
    paths.push({ name: DIRECT_GRPC, ...direct, inFlight: opts.inFlight, rate: opts.rate, hop: {}, others });
    for (const peer of peers) {
      const client = peer.name === GATEWAY ? httpJsonClient(`http://127.0.0.1:${peer.port}`, putPath, body, opts.inFlight) : directGrpc(peer.port);
      paths.push({ name: peer.name, ...client, inFlight: opts.inFlight, rate: opts.rate, hop: { [peer.name]: peer.proc.pid }, others });
    }
    return { windows: await runAll(paths, opts, progress), missing };
  } finally {
    for (const p of peers) await p.stop();
  }
}

/**
 * `--variant NAME=SPEC`: further consumer sidecars for the same app, each started its own way
 * (SPEC: node flags, `env:K=V`, `node:/path/to/node`), driven in turn with the consumer as
 * started and the direct call, interleaved: V8 flags, Node versions or preloads compared in one
 * run, on the same provider sidecar, under the same drifting load.
 */
export function parseVariant(spec: string): { name: string; rt: SidecarRuntime } {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new Error(`--variant wants NAME=SPEC, not "${spec}"`);
  const nodeFlags: string[] = [];
  const env: Record<string, string> = {};
  let node: string | undefined;
  for (const t of spec.slice(eq + 1).split(/\s+/).filter(Boolean)) {
    if (t.startsWith('env:')) {
      const [k, ...v] = t.slice(4).split('=');
      env[k] = v.join('=');
    } else if (t.startsWith('node:')) node = t.slice(5);
    else nodeFlags.push(t);
  }
  return { name: spec.slice(0, eq), rt: { nodeFlags, env, node } };
}

export type StartedConsumer = { name: string; proc: { pid: number; stop(): Promise<unknown> }; url: string };

/** Further `bench-app` consumer sidecars on `env`'s mesh, each started its own way, serving once this returns; stops the ones started when one fails. */
export async function startConsumers(env: MeshEnv, specs: Array<{ name: string; rt: SidecarRuntime }>, progress: (m: string) => void): Promise<StartedConsumer[]> {
  const started: StartedConsumer[] = [];
  try {
    for (const v of specs) {
      progress(`starting consumer variant ${v.name}`);
      const s = await startSidecar(env.natsUrl, 'bench-app', [], { ...v.rt, env: { ...env.appEnv, ...v.rt.env } });
      started.push({ name: v.name, proc: s.proc, url: s.url });
      await untilServed(s.url, putPath, itemJson());
    }
    return started;
  } catch (err) {
    for (const s of started) await s.proc.stop();
    throw err;
  }
}

/** The mesh path through one consumer sidecar of `env` (its provider sidecar is the hop's other half). */
export function meshPath(name: string, env: MeshEnv, consumer: { url: string; proc: { pid: number } }, opts: BenchOptions): ComparedPath & { close(): void } {
  return {
    name,
    ...httpJsonClient(consumer.url, putPath, itemJson(), opts.inFlight),
    inFlight: opts.inFlight,
    rate: opts.rate,
    hop: { consumerSidecar: consumer.proc.pid, providerSidecar: env.provider.pid },
    others: { grpcProvider: env.grpcProvider.pid, ...env.background },
  };
}

/** Direct grpc-js to `env`'s provider, as a compared path. */
export function directPath(env: MeshEnv, opts: BenchOptions): ComparedPath & { close(): void } {
  return { name: DIRECT_GRPC, ...directGrpc(env.grpcPort), inFlight: opts.inFlight, rate: opts.rate, hop: {}, others: { grpcProvider: env.grpcProvider.pid } };
}

export async function runVariants(env: MeshEnv, opts: BenchOptions, progress: (m: string) => void): Promise<ComparedWindow[]> {
  const started = await startConsumers(env, opts.variants.map(parseVariant), progress);
  try {
    const consumers = [{ name: 'as started', proc: env.consumer, url: env.consumerUrl }, ...started];
    const paths = consumers.map((c) => meshPath(`mesh, consumer ${c.name}`, env, c, opts));
    paths.push(directPath(env, opts));
    return await runAll(paths, opts, progress);
  } finally {
    for (const s of started) await s.proc.stop();
  }
}
