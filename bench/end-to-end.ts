import * as grpc from '@grpc/grpc-js';
import type * as protobuf from 'protobufjs';
import { loadBenchRoot } from './bench-proto';
import { grpcDirectClient } from './clients/grpc-client';
import { httpJsonClient, httpPost } from './clients/http-client';
import { apacheItem, thriftDirectClient } from './clients/thrift-client';
import { CallFn, closedLoop, openLoop, WindowResult } from './load';
import type { MeshEnv } from './mesh-env';
import type { BenchOptions } from './options';
import { benchService, thriftGenDir, thriftService } from './paths';
import { BIG_ID, itemForProtobufjs, itemJson, thriftArgsJson } from './payload';
import { sampleUsage, selfSample, UsageSample, usageBetween, UsageWindow } from './proc-usage';

/* eslint-disable @typescript-eslint/no-require-imports */

export type Protocol = 'grpc' | 'thrift';
export type PathName = 'mesh' | 'direct';
export const protocols: Protocol[] = ['grpc', 'thrift'];
export const pathNames: PathName[] = ['mesh', 'direct'];

/** CPU and memory of every process during one window. */
export type ProcessUsage = Record<'consumerSidecar' | 'providerSidecar' | 'grpcProvider' | 'thriftProvider' | 'loadGenerator', UsageWindow>;

export interface Window extends WindowResult {
  readonly protocol: Protocol;
  readonly path: PathName;
  readonly rep: number;
  readonly kind: 'throughput' | 'latency';
  readonly usage: ProcessUsage;
}

interface Client {
  call: CallFn;
  close(): void;
}

type Clients = Record<Protocol, Record<PathName, { throughput: Client; latency: Client }>>;

function sampleAll(env: MeshEnv): Record<keyof ProcessUsage, UsageSample> {
  return {
    consumerSidecar: sampleUsage(env.consumer.pid),
    providerSidecar: sampleUsage(env.provider.pid),
    grpcProvider: sampleUsage(env.grpcProvider.pid),
    thriftProvider: sampleUsage(env.thriftProvider.pid),
    loadGenerator: selfSample(),
  };
}

function usageSince(env: MeshEnv, before: Record<keyof ProcessUsage, UsageSample>): ProcessUsage {
  const after = sampleAll(env);
  const out = {} as ProcessUsage;
  for (const k of Object.keys(before) as Array<keyof ProcessUsage>) out[k] = usageBetween(before[k], after[k]);
  return out;
}

/** One call through each path, checked, before anything is timed: a fast wrong answer is no result. */
async function checkPaths(env: MeshEnv, root: protobuf.Root, message: protobuf.Message): Promise<void> {
  const want = BIG_ID.toString();
  for (const [path, body] of [[`/${benchService}/Put`, itemJson()], [`/${thriftService}/put`, thriftArgsJson(itemJson())]]) {
    const res = await httpPost(env.consumerUrl, path, body);
    const json = res.status === 200 ? JSON.parse(res.text) : undefined;
    if (json?.id !== want || json?.children?.length !== 4 || json?.color !== 'GREEN') throw new Error(`mesh ${path} answered wrong: ${res.status} ${res.text.slice(0, 300)}`);
  }
  const Item = root.lookupType('bench.v1.Item');
  const client = new grpc.Client(`127.0.0.1:${env.grpcPort}`, grpc.credentials.createInsecure());
  const reply = await new Promise<protobuf.Message>((resolve, reject) =>
    client.makeUnaryRequest(`/${benchService}/Put`, (m: protobuf.Message) => Buffer.from(Item.encode(m).finish()), (b: Buffer) => Item.decode(b), message, (err, r) => (err ? reject(err) : resolve(r!))),
  );
  client.close();
  const obj = Item.toObject(reply, { longs: String, enums: String });
  if (obj.id !== want || obj.children.length !== 4) throw new Error(`direct gRPC answered wrong: ${JSON.stringify(obj)}`);
  const thrift = require('thrift');
  const Catalog = require(`${thriftGenDir}/Catalog`);
  const conn = thrift.createConnection('127.0.0.1', env.thriftPort, { transport: thrift.TFramedTransport, protocol: thrift.TBinaryProtocol });
  const item = await thrift.createClient(Catalog, conn).put(apacheItem(thriftGenDir, BIG_ID));
  conn.end();
  if (thrift.toBigInt(item.id) !== BIG_ID || item.children.length !== 4) throw new Error('direct Thrift answered wrong');
}

async function makeClients(env: MeshEnv, opts: BenchOptions, Item: protobuf.Type, message: protobuf.Message): Promise<Clients> {
  const grpcDirect = grpcDirectClient(env.grpcPort, `/${benchService}/Put`, Item, Item, message);
  const thriftDirect = await thriftDirectClient(thriftGenDir, env.thriftPort, opts.connections, apacheItem(thriftGenDir, BIG_ID));
  const grpcBody = itemJson();
  const thriftBody = thriftArgsJson(itemJson());
  return {
    grpc: {
      mesh: { throughput: httpJsonClient(env.consumerUrl, `/${benchService}/Put`, grpcBody, opts.inFlight), latency: httpJsonClient(env.consumerUrl, `/${benchService}/Put`, grpcBody, opts.connections) },
      direct: { throughput: grpcDirect, latency: grpcDirect },
    },
    thrift: {
      mesh: { throughput: httpJsonClient(env.consumerUrl, `/${thriftService}/put`, thriftBody, opts.inFlight), latency: httpJsonClient(env.consumerUrl, `/${thriftService}/put`, thriftBody, opts.connections) },
      direct: { throughput: thriftDirect, latency: thriftDirect },
    },
  };
}

/**
 * Throughput (closed loop, `inFlight` calls) and latency with CPU and memory (open loop at
 * `rate`), mesh and direct alternating A/B/A/B within each protocol, so that drift in a shared
 * machine's load falls on both paths alike.
 */
export async function runEndToEnd(env: MeshEnv, opts: BenchOptions, progress: (msg: string) => void): Promise<{ windows: Window[]; idleRssMb: Record<keyof ProcessUsage, number> }> {
  const root = loadBenchRoot();
  const Item = root.lookupType('bench.v1.Item');
  const message = Item.fromObject(itemForProtobufjs());
  // Memory before any load (after one call per path): what the processes need just to be there.
  const idle = sampleAll(env);
  const idleRssMb = Object.fromEntries(Object.entries(idle).map(([k, v]) => [k, Math.round(v.rssMb * 10) / 10])) as Record<keyof ProcessUsage, number>;
  await checkPaths(env, root, message);
  const clients = await makeClients(env, opts, Item, message);
  const windows: Window[] = [];
  try {
    for (const protocol of protocols) {
      for (const path of pathNames) {
        progress(`warm-up ${protocol} ${path}`);
        await closedLoop(clients[protocol][path].throughput.call, opts.inFlight, opts.firstWarmupMs);
        await openLoop(clients[protocol][path].latency.call, opts.rate, opts.warmupMs);
      }
      // Throughput (closed loop) windows first, then latency at the fixed rate (open loop); each window after its own warm-up.
      const phases = [
        { kind: 'throughput' as const, run: (call: CallFn, ms: number) => closedLoop(call, opts.inFlight, ms), ms: opts.throughputMs, what: (r: WindowResult) => `: ${r.rate.toFixed(0)} calls/s` },
        { kind: 'latency' as const, run: (call: CallFn, ms: number) => openLoop(call, opts.rate, ms), ms: opts.latencyMs, what: (r: WindowResult) => ` at ${opts.rate}/s: p50 ${r.latency.p50Ms.toFixed(3)} p99 ${r.latency.p99Ms.toFixed(3)} ms` },
      ];
      for (const { kind, run, ms, what } of phases) {
        for (let rep = 0; rep < opts.reps; rep++) {
          for (const path of pathNames) {
            const { call } = clients[protocol][path][kind];
            await run(call, opts.warmupMs);
            const before = sampleAll(env);
            const r = await run(call, ms);
            windows.push({ ...r, protocol, path, rep, kind, usage: usageSince(env, before) });
            progress(`${kind} ${protocol} ${path} #${rep + 1}${what(r)}${r.errors ? `, ${r.errors} errors (${r.firstError})` : ''}`);
          }
        }
      }
    }
  } finally {
    for (const p of protocols) for (const n of pathNames) for (const c of new Set(Object.values(clients[p][n]))) c.close();
  }
  return { windows, idleRssMb };
}
