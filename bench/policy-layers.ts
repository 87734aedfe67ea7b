import { readFileSync } from 'node:fs';
import { compileProto } from '../adapters/grpc/proto-compile';
import type { ServiceModel } from '../src/idl/model';
import type { GrpcMethod } from '../adapters/grpc/grpc-model';
import { parseJson } from '../src/json/parse-json';
import { meshDefaults, PolicySnapshot, ServicePolicy, emptyPolicies } from '../src/policy/service-policy';
import { outboundStack } from '../src/sidecar/outbound/outbound-stack';
import type { CallHandler, OutboundCall } from '../src/sidecar/outbound/call';
import { SnapshotCell } from '../src/snapshot/snapshot-cell';
import { emptyEndpoints, emptyIdl, Endpoint, EndpointsSnapshot, IdlSnapshot } from '../src/snapshot/snapshots';
import { Metrics } from '../src/telemetry/metrics';
import { AccessLog } from '../src/telemetry/access-log';
import type { PeerResponse } from '../src/transport/grpc/h2-client';
import { CancelToken } from '../src/timing/cancel-token';
import { benchProto, benchService } from './paths';
import { itemJson } from './payload';
import { fmtSpread, Spread, spread } from './stats';
import type { LeaseSource } from '../src/policy/quota-lease';
import { QuotaLedger } from '../src/sidecar/limits/quota-ledger';
import { LimitMetrics } from '../src/sidecar/limits/limit-metrics';

/**
 * In-process microbenchmark of the outbound stack, with a policy applied (routes with weights,
 * retries, breaker, least-loaded balancing, a fault that does not match) against the same stack
 * without one. The peer hop is a stub that answers at once, so this is the layers' cost at its
 * most visible: with a real network the same microseconds are a smaller share of a call.
 */
export interface PolicyLayersResult {
  readonly concurrency: number;
  readonly callsPerRep: number;
  readonly withoutUsPerCall: Spread;
  readonly withUsPerCall: Spread;
  /** with / without per repetition: the goal is at most 1.05. */
  readonly ratio: Spread;
  /** The same policy with a large quota of the caller (a local lease decrement per attempt). */
  readonly withQuotaUsPerCall: Spread;
  /** with the quota / the same policy without it: issue 12's goal is at most 1.03. */
  readonly quotaRatio: Spread;
}

const anyMatch = { headers: [], callers: new Set<string>(), methods: new Set<string>() };

function benchPolicy(): ServicePolicy {
  const defaults = { ...meshDefaults, timeoutMs: 2000, retry: { attempts: 3, on: new Set(['UNAVAILABLE'] as const) }, breaker: { consecutiveFailures: 5, ejectForMs: 30_000, maxEjected: 0.5 } };
  return {
    service: benchService,
    revision: 1,
    subsets: new Map([
      ['v1', [['version', 'v1']] as const],
      ['v2', [['version', 'v2']] as const],
    ]),
    methods: new Map([['Put', { ...defaults, timeoutMs: 1000 }]]),
    defaults,
    retryBudget: { ratio: 0.2, perSecond: 10 },
    routes: [
      { match: { ...anyMatch, headers: [['x-canary', '1']] }, to: [{ subset: 'v2', upTo: 100 }] },
      { match: anyMatch, to: [{ subset: 'v1', upTo: 90 }, { subset: 'v2', upTo: 100 }] },
    ],
    faults: [{ match: { ...anyMatch, headers: [['x-chaos', '1']] }, delay: undefined, abort: { code: 'UNAVAILABLE', percent: 50 }, expiresAt: Date.now() + 3_600_000 }],
    access: undefined,
    quotas: [],
    rateLimit: undefined,
  };
}

/** The counter store stubbed in process: every lease granted at once (the real one is a NATS round trip, off the hot path). */
const instantLeases: LeaseSource = {
  take: async (key, size) => {
    const granted = size(key.limit);
    return { granted, remaining: key.limit - granted };
  },
  settle: async () => undefined,
};

function stack(policy: ServicePolicy | undefined): CallHandler {
  const { bundle } = compileProto({ 'bench.proto': readFileSync(benchProto, 'utf8') });
  const model = bundle.services.find((s) => s.name === benchService)!;
  // The bench IDL does not mark Put idempotent; the policy's retry codes should act, as they would on a marked method.
  const put = { ...(model.methods.get('Put') as GrpcMethod), idempotent: true };
  const idlModel: ServiceModel = { ...model, methods: new Map([...model.methods, ['Put', put]]) };
  const idl = new SnapshotCell<IdlSnapshot>(emptyIdl);
  idl.swap({ services: new Map([[benchService, { model: idlModel, version: 1 }]]), loadedAt: Date.now() });
  const endpoints = new SnapshotCell<EndpointsSnapshot>(emptyEndpoints);
  const list: Endpoint[] = ['v1', 'v1', 'v1', 'v2'].map((version, i) => ({ instance: `p${i}`, app: 'bench', address: `10.0.0.${i}:15006`, protocol: 'grpc', encoding: undefined, labels: { version } }));
  endpoints.swap({ byService: new Map([[benchService, list]]) });
  const policies = new SnapshotCell<PolicySnapshot>(emptyPolicies);
  if (policy) policies.swap({ byService: new Map([[benchService, policy]]) });
  const payload = Buffer.from(put.request.encode(parseJson(itemJson())));
  const answer: PeerResponse = { status: 0, message: '', detailsBin: undefined, metadata: {}, headers: {}, payload };
  const quotas = policy?.quotas.length ? { ledger: new QuotaLedger(instantLeases, () => 1), metrics: new LimitMetrics() } : undefined;
  return outboundStack({ idl, endpoints, policies, metrics: new Metrics(), accessLog: new AccessLog(), defaultTimeoutMs: 15_000, peers: { call: async () => answer }, quotas });
}

function newCall(body: string, headers: Record<string, string>): OutboundCall {
  return {
    service: benchService,
    method: 'Put',
    body,
    requestId: 'bench',
    caller: 'bench',
    int64AsNumber: false,
    timeoutHeader: undefined,
    metadata: {},
    headers,
    cancel: new CancelToken(),
    startedAt: performance.now(),
    deadline: 0,
    route: undefined,
    policy: undefined,
  };
}

/**
 * `calls` calls through `handler`, `concurrency` at a time; CPU µs per call. CPU time of this
 * process rather than wall time: the work is all in this thread, and on a shared machine the
 * wall clock mostly measures the other processes.
 */
async function run(handler: CallHandler, calls: number, concurrency: number): Promise<number> {
  const body = itemJson();
  const headers = { 'content-type': 'application/json' };
  let left = calls;
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left-- > 0) await handler(newCall(body, headers));
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / calls;
}

export async function runPolicyLayers(reps: number, callsPerRep: number, concurrency = 64): Promise<PolicyLayersResult> {
  const without = stack(undefined);
  const withPolicy = stack(benchPolicy());
  const withQuota = stack({ ...benchPolicy(), quotas: [{ caller: 'bench', methods: new Set(['Put']), limit: 1e12, per: 'day' }] });
  await run(without, callsPerRep, concurrency);
  await run(withPolicy, callsPerRep, concurrency);
  await run(withQuota, callsPerRep, concurrency);
  const w: number[] = [];
  const p: number[] = [];
  const q: number[] = [];
  const r: number[] = [];
  const rq: number[] = [];
  for (let i = 0; i < reps; i++) {
    const a = await run(without, callsPerRep, concurrency);
    const b = await run(withPolicy, callsPerRep, concurrency);
    const c = await run(withQuota, callsPerRep, concurrency);
    w.push(a);
    p.push(b);
    q.push(c);
    r.push(b / a);
    rq.push(c / b);
  }
  return { concurrency, callsPerRep, withoutUsPerCall: spread(w), withUsPerCall: spread(p), ratio: spread(r), withQuotaUsPerCall: spread(q), quotaRatio: spread(rq) };
}

export function policyLayersTable(res: PolicyLayersResult): string {
  return [
    `Outbound stack in process (stub peer, ${res.concurrency} in flight, ${res.callsPerRep} calls a repetition): policy layers' cost`,
    `  without a policy    ${fmtSpread(res.withoutUsPerCall)} CPU µs/call`,
    `  with a policy       ${fmtSpread(res.withUsPerCall)} CPU µs/call  (routes 90/10 by label, retry on UNAVAILABLE, breaker, least-loaded, one fault)`,
    `  ratio with/without  ${fmtSpread(res.ratio, 3)}  (goal ≤ 1.05)`,
    `  with a quota too    ${fmtSpread(res.withQuotaUsPerCall)} CPU µs/call  (the same policy and a quota of 10^12 a day on the caller)`,
    `  ratio quota/none    ${fmtSpread(res.quotaRatio, 3)}  (goal ≤ 1.03)`,
  ].join('\n');
}
