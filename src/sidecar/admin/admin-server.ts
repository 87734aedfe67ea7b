import Fastify, { FastifyInstance } from 'fastify';
import type { Metrics } from '../../telemetry/metrics';
import type { AccessLog } from '../../telemetry/access-log';
import type { SnapshotCell } from '../../snapshot/snapshot-cell';
import type { EndpointsSnapshot, IdlSnapshot } from '../../snapshot/snapshots';
import type { PolicySnapshot } from '../../policy/service-policy';

export interface AdminDeps {
  readonly metrics: Metrics;
  readonly accessLog: AccessLog;
  /** More Prometheus text appended to /metrics (the access decisions). */
  readonly extraMetrics?: () => string;
  readonly idl: SnapshotCell<IdlSnapshot>;
  readonly endpoints: SnapshotCell<EndpointsSnapshot>;
  readonly policies: SnapshotCell<PolicySnapshot>;
  /** Providers the circuit breaker has ejected, with the time each comes back. */
  readonly ejected: () => Record<string, string>;
  readonly info: () => Record<string, unknown>;
  readonly draining: () => boolean;
}

/** Operators' endpoints: liveness, readiness, Prometheus metrics, and the snapshots in force. */
export function createAdminServer(deps: AdminDeps): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    // Snapshots are loaded only once NATS was reached; after that a lost NATS does not make the
    // sidecar unready, since it keeps serving from them.
    const checks = { idl: deps.idl.isLoaded, endpoints: deps.endpoints.isLoaded, draining: deps.draining() };
    const ready = checks.idl && checks.endpoints && !checks.draining;
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });
  app.get('/metrics', async (_req, reply) => reply.header('content-type', 'text/plain; version=0.0.4').send(deps.metrics.render() + deps.accessLog.render() + (deps.extraMetrics?.() ?? '')));
  app.get('/debug/snapshot', async () => ({
    ...deps.info(),
    idl: {
      loadedAt: new Date(deps.idl.current.loadedAt).toISOString(),
      services: [...deps.idl.current.services.values()].map((e) => ({
        name: e.model.name,
        protocol: e.model.protocol,
        version: e.version,
        methods: [...e.model.methods.keys()],
      })),
    },
    endpoints: Object.fromEntries(deps.endpoints.current.byService),
    policies: Object.fromEntries([...deps.policies.current.byService].map(([service, p]) => [service, plain(p)])),
    ejected: deps.ejected(),
  }));
  return app;
}

/** A compiled policy as JSON: Maps with string keys become objects, Sets and other Maps arrays, `expiresAt` an ISO time. */
function plain(value: unknown, key = ''): unknown {
  if (value instanceof Map) {
    const entries = [...value];
    return entries.every(([k]) => typeof k === 'string') ? Object.fromEntries(entries.map(([k, v]) => [k, plain(v)])) : entries.map((e) => plain(e));
  }
  if (value instanceof Set) return [...value].map((v) => plain(v));
  if (Array.isArray(value)) return value.map((v) => plain(v));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v, k)]));
  if (key === 'expiresAt' && typeof value === 'number') return new Date(value).toISOString();
  return value;
}
