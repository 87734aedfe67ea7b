import { loadBenchRoot } from './bench-proto';
import { grpcDirectClient } from './clients/grpc-client';
import { httpJsonClient } from './clients/http-client';
import { ComparedPath, comparePaths, ComparedWindow, CompareOptions } from './compare';
import type { MeshEnv } from './mesh-env';
import type { BenchOptions } from './options';
import { benchService } from './paths';
import { itemForProtobufjs, itemJson } from './payload';
import { Peer, startGrpcGateway, startNginx } from './peers';

/** The runs beyond the main comparison, on gRPC, against the same mesh: how cost grows, and the peers. */

const putPath = `/${benchService}/Put`;
/** 60 children instead of 4: about 10 KB of JSON instead of 1 KB. */
export const LARGE_CHILDREN = 60;

function compareOptions(opts: BenchOptions): CompareOptions {
  return { reps: opts.reps, windowMs: opts.throughputMs, warmupMs: opts.warmupMs, firstWarmupMs: opts.warmupMs };
}

function directGrpc(port: number, children?: number) {
  const Item = loadBenchRoot().lookupType('bench.v1.Item');
  return grpcDirectClient(port, putPath, Item, Item, Item.fromObject(itemForProtobufjs(children)));
}

async function runAll(paths: Array<ComparedPath & { close(): void }>, opts: BenchOptions, progress: (m: string) => void): Promise<ComparedWindow[]> {
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
export function runScaling(env: MeshEnv, opts: BenchOptions, progress: (m: string) => void): Promise<ComparedWindow[]> {
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
  return runAll(
    [
      mesh('mesh 1 KB', undefined, opts.inFlight, opts.rate),
      direct('direct 1 KB', undefined, opts.inFlight, opts.rate),
      mesh('mesh 10 KB', LARGE_CHILDREN, opts.inFlight, opts.rate),
      direct('direct 10 KB', LARGE_CHILDREN, opts.inFlight, opts.rate),
      mesh(`mesh 1 KB x8 in flight (${many})`, undefined, many),
      direct(`direct 1 KB x8 in flight (${many})`, undefined, many),
    ],
    opts,
    progress,
  );
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
    ['grpc-gateway', startGrpcGateway],
    ['nginx', startNginx],
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
    paths.push({ name: 'mesh (2 sidecars)', ...meshClient, inFlight: opts.inFlight, rate: opts.rate, hop: { consumerSidecar: env.consumer.pid, providerSidecar: env.provider.pid }, others });
    const direct = directGrpc(env.grpcPort);
    paths.push({ name: 'direct grpc-js', ...direct, inFlight: opts.inFlight, rate: opts.rate, hop: {}, others });
    for (const peer of peers) {
      const client = peer.name === 'grpc-gateway' ? httpJsonClient(`http://127.0.0.1:${peer.port}`, putPath, body, opts.inFlight) : directGrpc(peer.port);
      paths.push({ name: peer.name, ...client, inFlight: opts.inFlight, rate: opts.rate, hop: { [peer.name]: peer.proc.pid }, others });
    }
    return { windows: await runAll(paths, opts, progress), missing };
  } finally {
    for (const p of peers) await p.stop();
  }
}
