import Fastify from 'fastify';
import type { HostPort } from '../config/addresses';
import { ControlPlane } from '../control-plane/control-plane';
import { TelemetryAggregator } from '../control-plane/telemetry-aggregator';
import { createLogger } from '../log/logger';
import { connectNats } from '../registry/connect';
import { IdlStore } from '../registry/idl-store';
import { PolicyStore } from '../registry/policy-store';
import { registerPolicyHandlers } from '../control-plane/policy-handlers';
import { openBucket } from '../registry/kv';
import { bucketOptions, Buckets } from '../registry/names';

/** The composition root of a control plane replica: NATS, the registry store, the request handlers, telemetry and the admin listener. */
export async function startControlPlane(url: string, adminAddr: HostPort) {
  const log = createLogger('control-plane');
  const nc = await connectNats(url, 'transmesh-control-plane');
  const js = nc.jetstream();
  const kv = await openBucket(js, Buckets.idl, bucketOptions[Buckets.idl]);
  const idl = new IdlStore(kv);
  const cp = new ControlPlane(nc, idl, log);
  cp.start();
  const policyKv = await openBucket(js, Buckets.policy, bucketOptions[Buckets.policy]);
  const endpoints = await openBucket(js, Buckets.endpoints, bucketOptions[Buckets.endpoints]);
  registerPolicyHandlers(cp, { store: new PolicyStore(policyKv), idl, endpoints, log });
  const telemetry = new TelemetryAggregator(nc, log);
  telemetry.start();
  const admin = Fastify({ logger: false });
  admin.get('/healthz', async () => ({ status: 'ok' }));
  admin.get('/readyz', async (_req, reply) => (nc.isClosed() ? reply.code(503).send({ status: 'not ready' }) : { status: 'ready' }));
  admin.get('/metrics', async (_req, reply) => reply.header('content-type', 'text/plain; version=0.0.4').send(telemetry.render()));
  const adminUrl = await admin.listen({ host: adminAddr.host, port: adminAddr.port });
  await nc.flush();
  log.info({ nats: url, admin: adminUrl }, 'control plane ready');
  return {
    stop: async () => {
      await admin.close();
      telemetry.stop();
      await cp.drain();
      await nc.drain();
      log.info('stopped');
    },
  };
}
