import Fastify from 'fastify';
import type { HostPort } from '../config/addresses';
import { ControlPlane } from '../control-plane/control-plane';
import { TelemetryAggregator } from '../control-plane/telemetry-aggregator';
import { AccessLogWriter } from '../control-plane/access-log-writer';
import { Dashboard } from '../control-plane/dashboard';
import { PolicyPeek } from '../control-plane/policy-peek';
import { EndpointsWatcher } from '../discovery/endpoints-watcher';
import { emptyEndpoints, EndpointsSnapshot } from '../snapshot/snapshots';
import { createLogger } from '../log/logger';
import { connectNats } from '../registry/connect';
import { IdlStore } from '../registry/idl-store';
import { openBucket } from '../registry/kv';
import { bucketOptions, Buckets } from '../registry/names';

/** The composition root of a control plane replica: NATS, the registry store, the request handlers, telemetry and the admin listener. */
export interface ControlPlaneOptions {
  /** Where access-log records go: a file path, `-` for stdout, or nowhere when absent. */
  readonly accessLog?: string;
  /** How long a provider's discovery record counts as alive without a heartbeat (as the sidecars' TRANSMESH_ENDPOINT_TTL_MS). */
  readonly endpointTtlMs?: number;
}

export async function startControlPlane(url: string, adminAddr: HostPort, options: ControlPlaneOptions = {}) {
  const log = createLogger('control-plane');
  const nc = await connectNats(url, 'transmesh-control-plane');
  const js = nc.jetstream();
  const kv = await openBucket(js, Buckets.idl, bucketOptions[Buckets.idl]);
  const store = new IdlStore(kv);
  const cp = new ControlPlane(nc, store, log);
  cp.start();
  const telemetry = new TelemetryAggregator(nc, log);
  telemetry.start();
  const accessLog = options.accessLog ? new AccessLogWriter(nc, options.accessLog, log) : undefined;
  accessLog?.start();
  const reopen = () => accessLog?.reopen();
  process.on('SIGHUP', reopen);
  // The dashboard's view of discovery: the same watcher and liveness rule as the sidecars'.
  let endpoints: EndpointsSnapshot = emptyEndpoints;
  const epKv = await openBucket(js, Buckets.endpoints, bucketOptions[Buckets.endpoints]);
  const epWatcher = new EndpointsWatcher(epKv, { heartbeatMs: 1000, ttlMs: options.endpointTtlMs ?? 15_000 }, (s) => (endpoints = s), log);
  await epWatcher.start();
  const dashboard = new Dashboard({ telemetry, endpoints: () => endpoints, idl: store, policies: new PolicyPeek(js) }, log);
  dashboard.start();
  const admin = Fastify({ logger: false });
  dashboard.routes(admin);
  admin.get('/healthz', async () => ({ status: 'ok' }));
  admin.get('/readyz', async (_req, reply) => (nc.isClosed() ? reply.code(503).send({ status: 'not ready' }) : { status: 'ready' }));
  admin.get('/metrics', async (_req, reply) => reply.header('content-type', 'text/plain; version=0.0.4').send(telemetry.render()));
  const adminUrl = await admin.listen({ host: adminAddr.host, port: adminAddr.port });
  await nc.flush();
  log.info({ nats: url, admin: adminUrl, accessLog: options.accessLog ?? null }, 'control plane ready');
  return {
    stop: async () => {
      await admin.close();
      telemetry.stop();
      dashboard.stop();
      epWatcher.stop();
      process.off('SIGHUP', reopen);
      await accessLog?.stop();
      await cp.drain();
      await nc.drain();
      log.info('stopped');
    },
  };
}
