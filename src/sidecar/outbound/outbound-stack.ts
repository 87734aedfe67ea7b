import type { Metrics } from '../../telemetry/metrics';
import type { SnapshotCell } from '../../snapshot/snapshot-cell';
import type { EndpointsSnapshot, IdlSnapshot } from '../../snapshot/snapshots';
import type { PolicySnapshot } from '../../policy/service-policy';
import type { H2Client, PeerResponse } from '../../transport/grpc/h2-client';
import { CallHandler, CallLayer, compose, NativeCallHandler, NativeReply, OutboundCall, OutboundReply, PeerRequest } from './call';
import type { AccessLog } from '../../telemetry/access-log';
import type { MeshTracer } from '../tracing/mesh-tracer';
import { telemetryLayer } from './telemetry-layer';
import { traceLayer } from './trace-layer';
import { routeLayer } from './route-layer';
import { deadlineLayer } from './deadline-layer';
import { faultLayer } from './fault-layer';
import { subsetLayer } from './subset-layer';
import { convertLayer } from './convert-layer';
import { callerLayer, type CallerCallHandler } from './caller-layer';
import type { CallerMessage } from '../../protocol/native-callers';
import { passThroughLayer, streamPassThroughLayer } from './pass-through-layer';
import type { PeerStreamRequest, StreamCall, StreamCallHandler, StreamingPeers } from './stream-call';
import type { StreamResponse } from '../../transport/grpc/stream-response';
import { retryLayer } from './retry-layer';
import { balanceLayer } from './balance-layer';
import { breakerLayer } from './breaker-layer';
import { Breaker } from './breaker';
import { LoadStats } from './load-stats';
import { LayerEnv, realEnv } from './layer-env';
import { peerStreamTransport, peerTransport } from './peer-transport';
import { streamConvertLayer, type JsonStreamHandler } from './json-stream';
import { quotaLayer } from './quota-layer';
import type { QuotaLedger } from '../limits/quota-ledger';
import { LimitMetrics } from '../limits/limit-metrics';

export interface OutboundDeps {
  readonly idl: SnapshotCell<IdlSnapshot>;
  readonly endpoints: SnapshotCell<EndpointsSnapshot>;
  readonly policies: SnapshotCell<PolicySnapshot>;
  readonly metrics: Metrics;
  /** The peer hop's client; without `stream` streaming calls are UNIMPLEMENTED (tests' stubs). */
  readonly peers: Pick<H2Client, 'call'> & Partial<StreamingPeers>;
  readonly defaultTimeoutMs: number;
  readonly accessLog: AccessLog;
  /** Present only when tracing is configured; without it no trace layer is composed. */
  readonly tracer?: MeshTracer;
  /** Clock, randomness and sleep; tests pass a fake clock and a seeded source. */
  readonly env?: LayerEnv;
  /** The breaker's state, when the owner wants to show it (admin); made here otherwise. */
  readonly breaker?: Breaker;
  /** Mesh-wide quotas: without a ledger (no counter store) no quota layer is composed. */
  readonly quotas?: { readonly ledger: QuotaLedger; readonly metrics: LimitMetrics };
}

/** The app-facing request paths: HTTP/JSON callers', and native gRPC callers' (no conversion). */
export interface OutboundStacks {
  readonly json: CallHandler;
  readonly grpc: NativeCallHandler;
  /** The request path of a protocol's native callers on listeners of their own (`--thrift-listen`); compose it once at start. */
  readonly callers: (protocol: string) => CallerCallHandler;
  /** Native gRPC callers' streaming methods (client, server, bidi): no retry layer. */
  readonly stream: StreamCallHandler;
  /** HTTP/JSON callers' streaming methods (NDJSON and SSE, json-stream.ts). */
  readonly jsonStream: JsonStreamHandler;
}

/** The HTTP/JSON callers' request path alone (tests, bench). */
export function outboundStack(deps: OutboundDeps): CallHandler {
  return outboundStacks(deps).json;
}

/**
 * The app-facing request paths, composed once at start. Call-level layers run outside the
 * conversion (or the pass-through of a native gRPC call), once per call; peer-level layers
 * (retry, quota, balance, breaker) run on bytes, once per attempt, and are one stack shared by
 * both paths, so breaker, load and retry budgets see every call. Docs: "The request path" and
 * "How the data plane applies a policy" in docs/architecture.md.
 */
export function outboundStacks(deps: OutboundDeps): OutboundStacks {
  const env = deps.env ?? realEnv;
  const policyMetrics = deps.metrics.policy;
  const breaker = deps.breaker ?? new Breaker(policyMetrics);
  const load = new LoadStats();
  deps.endpoints.onSwap((snapshot) => {
    const live = new Set<string>();
    for (const list of snapshot.byService.values()) for (const e of list) live.add(e.address);
    breaker.prune(live);
    load.prune(live);
  });
  const showRevisions = (snapshot: PolicySnapshot) => policyMetrics.setRevisions([...snapshot.byService.values()].map((p) => [p.service, p.revision] as const));
  showRevisions(deps.policies.current);
  deps.policies.onSwap(showRevisions);
  // The quota layer under retry: every attempt is a call and counts (docs/policy.md).
  const quota = deps.quotas ? [quotaLayer(deps.quotas.ledger, deps.quotas.metrics)] : [];
  // One instance of each attempt layer in both stacks: the breaker and the load see streams too.
  const attempt = [...quota, balanceLayer(deps.endpoints, breaker, load, env), breakerLayer(breaker, env)];
  const peer = compose<PeerRequest, PeerResponse>([retryLayer(env, policyMetrics), ...attempt], peerTransport(deps.peers));
  // Streams are never retried (the contract): a message sent cannot be taken back.
  const peerStream = compose<PeerStreamRequest, StreamResponse>(attempt, peerStreamTransport(deps.peers));
  const traced = deps.tracer ? [traceLayer(deps.tracer)] : [];
  const callLayers = (route: CallLayer): CallLayer[] => [telemetryLayer(deps.metrics, deps.accessLog), ...traced, route, deadlineLayer(deps.defaultTimeoutMs, env), faultLayer(env, policyMetrics), subsetLayer(env, policyMetrics)];
  return {
    json: compose<OutboundCall, OutboundReply>(callLayers(routeLayer(deps.idl, deps.policies)), convertLayer(peer)),
    // gRPC callers get UNIMPLEMENTED for names the IDL does not know, as from any gRPC server.
    grpc: compose<OutboundCall<Buffer>, NativeReply>(callLayers(routeLayer(deps.idl, deps.policies, 'UNIMPLEMENTED')), passThroughLayer(peer, 'grpc')),
    // Names the IDL does not know are UNIMPLEMENTED, as for gRPC callers.
    callers: (protocol) => compose<OutboundCall<CallerMessage>, Buffer | undefined>(callLayers(routeLayer(deps.idl, deps.policies, 'UNIMPLEMENTED')), callerLayer(peer, protocol)),
    jsonStream: compose<OutboundCall, StreamResponse>(callLayers(routeLayer(deps.idl, deps.policies)), streamConvertLayer(peerStream)),
    stream: compose<StreamCall, StreamResponse>(callLayers(routeLayer(deps.idl, deps.policies, 'UNIMPLEMENTED')), streamPassThroughLayer(peerStream, 'grpc')),
  };
}
