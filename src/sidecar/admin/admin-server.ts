import type { PolicySnapshot } from '../../policy/service-policy';
import type { AccessLog } from '../../telemetry/access-log';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from '../../telemetry/metrics';
import { contentType } from '../../telemetry/exposition';
import { ProcessMetrics } from '../../telemetry/process-metrics';
import type { SnapshotCell } from '../../snapshot/snapshot-cell';
import type { EndpointsSnapshot, IdlSnapshot } from '../../snapshot/snapshots';

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

export interface AdminServer {
  /** Binds; resolves to `http://host:port` (the port may have been 0). */
  listen(at: { host: string; port: number }): Promise<string>;
  close(): Promise<void>;
}

type Answer = { status: number; type: string; body: string };

const json = (status: number, value: unknown): Answer => ({ status, type: 'application/json; charset=utf-8', body: JSON.stringify(value) });

/**
 * The routes, each answering a GET. A plain table on node:http rather than a web framework:
 * four read-only routes do not pay for the ~17 MB of RSS fastify costs in every sidecar.
 */
function routes(deps: AdminDeps, proc: ProcessMetrics): Record<string, () => Answer> {
  return {
    '/healthz': () => json(200, { status: 'ok' }),
    '/readyz': () => {
      // Snapshots are loaded only once NATS was reached; after that a lost NATS does not make the
      // sidecar unready, since it keeps serving from them.
      const checks = { idl: deps.idl.isLoaded, endpoints: deps.endpoints.isLoaded, draining: deps.draining() };
      const ready = checks.idl && checks.endpoints && !checks.draining;
      return json(ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks });
    },
    '/metrics': () => ({ status: 200, type: contentType, body: deps.metrics.render() + deps.accessLog.render() + (deps.extraMetrics?.() ?? '') + proc.render() }),
    '/debug/snapshot': () => json(200, snapshotView(deps)),
  };
}

/** What /debug/snapshot shows: the sidecar's own settings and the snapshots in force. */
function snapshotView(deps: AdminDeps): Record<string, unknown> {
  return {
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
  };
}

function answer(table: Record<string, () => Answer>, req: http.IncomingMessage): Answer {
  const path = (req.url ?? '/').split('?', 1)[0];
  const route = Object.hasOwn(table, path) ? table[path] : undefined;
  if (!route) return json(404, { error: 'NOT_FOUND', message: `no admin route ${path}` });
  if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { error: 'METHOD_NOT_ALLOWED', message: `${path} answers GET` });
  try {
    return route();
  } catch (err) {
    return json(500, { error: 'INTERNAL', message: (err as Error).message });
  }
}

/** Operators' endpoints: liveness, readiness, Prometheus metrics (the process's own among them), and the snapshots in force. */
export function createAdminServer(deps: AdminDeps): AdminServer {
  const proc = new ProcessMetrics();
  const table = routes(deps, proc);
  const server = http.createServer((req, res) => {
    req.resume();
    const a = answer(table, req);
    res.writeHead(a.status, { 'content-type': a.type, 'content-length': Buffer.byteLength(a.body) });
    res.end(req.method === 'HEAD' ? undefined : a.body);
  });
  return {
    listen: ({ host, port }) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          proc.start();
          const a = server.address() as AddressInfo;
          resolve(`http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        proc.stop();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
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
