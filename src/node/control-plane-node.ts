import Fastify from 'fastify';
import type { HostPort } from '../config/addresses';
import { ControlPlane } from '../control-plane/control-plane';
import { TelemetryAggregator } from '../control-plane/telemetry-aggregator';
import { AccessLogWriter } from '../control-plane/access-log-writer';
import { createLogger } from '../log/logger';
import { connectNats } from '../registry/connect';
import { IdlStore } from '../registry/idl-store';
import { openBucket } from '../registry/kv';
import { bucketOptions, Buckets } from '../registry/names';

/** The composition root of a control plane replica: NATS, the registry store, the request handlers, telemetry and the admin listener. */
export interface ControlPlaneOptions {
  /** Where access-log records go: a file path, `-` for stdout, or nowhere when absent. */
  readonly accessLog?: string;
}

export async function startControlPlane(url: string, adminAddr: HostPort, options: ControlPlaneOptions = {}) {
  const log = createLogger('control-plane');
  const nc = await connectNats(url, 'transmesh-control-plane');
  const kv = await openBucket(nc.jetstream(), Buckets.idl, bucketOptions[Buckets.idl]);
  const cp = new ControlPlane(nc, new IdlStore(kv), log);
  cp.start();
  const telemetry = new TelemetryAggregator(nc, log);
  telemetry.start();
  const accessLog = options.accessLog ? new AccessLogWriter(nc, options.accessLog, log) : undefined;
  accessLog?.start();
  const reopen = () => accessLog?.reopen();
  process.on('SIGHUP', reopen);
  const admin = Fastify({ logger: false });
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
      process.off('SIGHUP', reopen);
      await accessLog?.stop();
      await cp.drain();
      await nc.drain();
      log.info('stopped');
    },
  };
}
