import Fastify from 'fastify';
import { commonFlags, defaultNatsUrl, FlagSpec, readFlags, validate } from './args';
import { z } from 'zod';
import { HostPort, hostPort, natsUrl } from '../config/addresses';
import { TelemetryAggregator } from '../telemetry/telemetry-aggregator';
import { createLogger } from '../log/logger';
import { connectNats } from '../registry/connect';
import { openBucket } from '../registry/kv';
import { bucketOptions, Buckets } from '../registry/names';
import { IdlStore } from '../registry/idl-store';
import { ControlPlane } from '../control-plane/control-plane';
import { onShutdown } from './shutdown';

const help = `usage: transmesh control-plane [--nats URL] [--admin ADDR]

Validates and stores IDL in the registry bucket and answers the idl commands, and adds up the
request metrics every sidecar reports. Stateless: run as many replicas as you like against the
same NATS (cluster).

  --admin ADDR   GET /metrics (mesh-wide Prometheus text), /healthz, /readyz (default 127.0.0.1:15010)
`;

const schema = z.object({ nats: natsUrl, admin: hostPort.prefault('127.0.0.1:15010') });
const flags: FlagSpec = { ...commonFlags, admin: { type: 'string' } };

export async function run(argv: string[]): Promise<number> {
  const values = readFlags(argv, flags, help);
  if (!values) return 0;
  const config = validate(schema, { ...values, nats: defaultNatsUrl(values.nats) });
  const { stop } = await startControlPlane(config.nats, config.admin);
  await onShutdown(stop);
  return 0;
}

export async function startControlPlane(url: string, adminAddr: HostPort) {
  const log = createLogger('control-plane');
  const nc = await connectNats(url, 'transmesh-control-plane');
  const kv = await openBucket(nc.jetstream(), Buckets.idl, bucketOptions[Buckets.idl]);
  const cp = new ControlPlane(nc, new IdlStore(kv), log);
  cp.start();
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
