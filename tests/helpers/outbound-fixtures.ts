import type { MethodModel, ServiceModel } from '../../src/idl/model';
import { SnapshotCell } from '../../src/snapshot/snapshot-cell';
import { emptyEndpoints, emptyIdl, Endpoint, EndpointsSnapshot, IdlSnapshot } from '../../src/snapshot/snapshots';
import { Metrics } from '../../src/telemetry/metrics';
import { AccessLog } from '../../src/telemetry/access-log';
import { outboundStack, OutboundDeps } from '../../src/sidecar/outbound/outbound-stack';
import { Breaker } from '../../src/sidecar/outbound/breaker';
import type { OutboundCall, PeerRequest } from '../../src/sidecar/outbound/call';
import type { LayerEnv } from '../../src/sidecar/outbound/layer-env';
import type { PeerResponse } from '../../src/transport/grpc/h2-client';
import { CancelToken } from '../../src/timing/cancel-token';
import { emptyPolicies, meshDefaults, MethodPolicy, PolicySnapshot, ServicePolicy } from '../../src/policy/service-policy';

/** Building blocks for unit tests of the outbound layers: calls, endpoints, policies, a fake clock and seeded randomness. */

/** A seeded PRNG (mulberry32): the same seed gives the same draws, so weight and P2C tests are deterministic. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A clock that moves only when told to (or when a layer sleeps), with seeded randomness. */
export class FakeEnv implements LayerEnv {
  time = 1_700_000_000_000;
  readonly sleeps: number[] = [];
  random: () => number;

  constructor(seed = 1) {
    this.random = seeded(seed);
  }

  now = (): number => this.time;

  sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.time += ms;
  };

  advance(ms: number): void {
    this.time += ms;
  }
}

export function newCall(over: Partial<OutboundCall> = {}): OutboundCall {
  return {
    service: 'pkg.Svc',
    method: 'Get',
    body: '{}',
    requestId: 'r',
    caller: 'app',
    int64AsNumber: false,
    timeoutHeader: undefined,
    metadata: {},
    headers: {},
    cancel: new CancelToken(),
    startedAt: performance.now(),
    deadline: Date.now() + 10_000,
    route: undefined,
    policy: undefined,
    ...over,
  };
}

export function endpoint(instance: string, labels: Record<string, string> = {}): Endpoint {
  return { instance, app: instance, address: `${instance}:1`, protocol: 'grpc', encoding: undefined, labels };
}

export function peerRequest(call = newCall()): PeerRequest {
  return { call, path: '/pkg.Svc/Get', contentType: 'application/grpc', headers: {}, payloadFor: () => new Uint8Array(), endpoint: undefined, pool: undefined, attempt: 1, tried: undefined };
}

export const okPeer: PeerResponse = { status: 0, message: '', detailsBin: undefined, metadata: {}, headers: {}, payload: Buffer.alloc(0) };

export function methodSettings(over: Partial<MethodPolicy> = {}): MethodPolicy {
  return { ...meshDefaults, ...over };
}

/** A compiled policy for pkg.Svc with everything at its default, overridden by `over`. */
export function servicePolicy(over: Partial<ServicePolicy> = {}): ServicePolicy {
  return {
    service: 'pkg.Svc',
    revision: 1,
    subsets: new Map(),
    methods: new Map(),
    defaults: meshDefaults,
    retryBudget: { ratio: 0.2, perSecond: 10 },
    routes: [],
    faults: [],
    access: undefined,
    quotas: [],
    rateLimit: undefined,
    ...over,
  };
}

/** Sets a call's policy as the route layer would, for layers tested on their own. */
export function withPolicy(call: OutboundCall, service: ServicePolicy | undefined, method: MethodPolicy = service?.defaults ?? meshDefaults): OutboundCall {
  call.policy = { service, method, subset: undefined };
  return call;
}

/** A gRPC method of pkg.Svc whose codec is a no-op (marked idempotent), for stacks over a stub peer. */
export function stubMethod(name: string): MethodModel {
  return {
    name,
    path: `/pkg.Svc/${name}`,
    idempotent: true,
    oneway: false,
    clientStreaming: false,
    serverStreaming: false,
    json: {
      contentType: 'application/grpc',
      headers: {},
      encodeRequest: () => () => new Uint8Array(),
      decodeReply: () => '{}',
      statusDetails: () => [],
    },
    provider: { decodeRequest: () => '{}', encodeReply: () => new Uint8Array(), encodeException: () => undefined },
  };
}

/** pkg.Svc with the named stub methods. */
export function stubModel(...names: string[]): ServiceModel {
  return { name: 'pkg.Svc', protocol: 'grpc', rpcSystem: 'grpc', methods: new Map(names.map((n) => [n, stubMethod(n)])), describe: () => ({ methods: [] }) };
}

/** The whole outbound stack as the Sidecar composes it, for pkg.Svc with `model`, over a stub peer client and a fake clock. */
export function stubStack(opts: { model: ServiceModel; providers: Endpoint[]; policy: ServicePolicy | undefined; env: FakeEnv; peers: OutboundDeps['peers']; quotas?: OutboundDeps['quotas'] }) {
  const idl = new SnapshotCell<IdlSnapshot>(emptyIdl);
  idl.swap({ services: new Map([['pkg.Svc', { model: opts.model, version: 1 }]]), loadedAt: 1 });
  const endpoints = new SnapshotCell<EndpointsSnapshot>(emptyEndpoints);
  endpoints.swap({ byService: new Map([['pkg.Svc', opts.providers]]) });
  const policies = new SnapshotCell<PolicySnapshot>(emptyPolicies);
  if (opts.policy) policies.swap({ byService: new Map([['pkg.Svc', opts.policy]]) });
  const metrics = new Metrics();
  const breaker = new Breaker(metrics.policy);
  const handler = outboundStack({ idl, endpoints, policies, metrics, accessLog: new AccessLog(), defaultTimeoutMs: 15_000, env: opts.env, breaker, peers: opts.peers, quotas: opts.quotas });
  return { handler, metrics, policies, endpoints, idl, breaker };
}
