import Fastify, { FastifyInstance } from 'fastify';
import type { Metrics } from '../../telemetry/metrics';
import type { SnapshotCell } from '../../snapshot/snapshot-cell';
import type { EndpointsSnapshot, IdlSnapshot } from '../../snapshot/snapshots';

export interface AdminDeps {
  readonly metrics: Metrics;
  /** More Prometheus text appended to /metrics (the access decisions). */
  readonly extraMetrics?: () => string;
  readonly idl: SnapshotCell<IdlSnapshot>;
  readonly endpoints: SnapshotCell<EndpointsSnapshot>;
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
  app.get('/metrics', async (_req, reply) => reply.header('content-type', 'text/plain; version=0.0.4').send(deps.metrics.render() + (deps.extraMetrics?.() ?? '')));
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
  }));
  return app;
}
