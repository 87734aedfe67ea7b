import type { Metrics } from '../../telemetry/metrics';
import type { SnapshotCell } from '../../snapshot/snapshot-cell';
import type { EndpointsSnapshot, IdlSnapshot } from '../../snapshot/snapshots';
import type { PeerClient } from '../../transport/peer/peer-client';
import { CallHandler, compose } from './call';
import type { AccessLog } from '../../telemetry/access-log';
import type { MeshTracer } from '../tracing/mesh-tracer';
import { telemetryLayer } from './telemetry-layer';
import { traceLayer } from './trace-layer';
import { routeLayer } from './route-layer';
import { deadlineLayer } from './deadline-layer';
import { convertLayer } from './convert-layer';
import { retryLayer } from './retry-layer';
import { balanceLayer } from './balance-layer';
import { EndpointHealth } from './endpoint-health';
import { peerTransport } from './peer-transport';

export interface OutboundDeps {
  readonly idl: SnapshotCell<IdlSnapshot>;
  readonly endpoints: SnapshotCell<EndpointsSnapshot>;
  readonly metrics: Metrics;
  readonly peers: PeerClient;
  readonly defaultTimeoutMs: number;
  readonly accessLog: AccessLog;
  /** Present only when tracing is configured; without it no trace layer is composed. */
  readonly tracer?: MeshTracer;
}

/**
 * The app-facing request path, composed once at start. JSON-level layers run outside the
 * conversion; peer-level layers (retry, balance) run on bytes, once per attempt.
 */
export function outboundStack(deps: OutboundDeps): CallHandler {
  const health = new EndpointHealth();
  const peer = compose([retryLayer(health), balanceLayer(deps.endpoints, health)], peerTransport(deps.peers));
  const traced = deps.tracer ? [traceLayer(deps.tracer)] : [];
  return compose([telemetryLayer(deps.metrics, deps.accessLog), ...traced, routeLayer(deps.idl), deadlineLayer(deps.defaultTimeoutMs)], convertLayer(peer));
}
