import Fastify from 'fastify';
import type { HostPort } from '../config/addresses';
import { ControlPlane } from '../control-plane/control-plane';
import { CertSigner, defaultCertTtlMs } from '../control-plane/cert-signer';
import { TelemetryAggregator } from '../control-plane/telemetry-aggregator';
import { createLogger } from '../log/logger';
import { connectNats, type NatsAuth, redact } from '../registry/connect';
import { IdlStore } from '../registry/idl-store';
import { encodeJson, openBucket } from '../registry/kv';
import { bucketOptions, Buckets, caKey, Subjects } from '../registry/names';
import { signRequest, type CaRecord } from '../registry/records';

export interface ControlPlaneOptions {
  readonly nats: string;
  readonly natsAuth?: NatsAuth;
  readonly admin: HostPort;
  /** The CA directory: with it this replica signs sidecar certificates. */
  readonly ca?: string;
  readonly certTtlMs?: number;
}

/** The composition root of a control plane replica: NATS, the registry store, the request handlers, telemetry and the admin listener. */
export async function startControlPlane(opts: ControlPlaneOptions) {
  const log = createLogger('control-plane');
  // Load the CA first: a bad --ca dir fails at once, before anything is announced.
  const signer = opts.ca ? await CertSigner.load(opts.ca, opts.certTtlMs ?? defaultCertTtlMs, log) : undefined;
  const nc = await connectNats(opts.nats, 'transmesh-control-plane', opts.natsAuth);
  const js = nc.jetstream();
  const kv = await openBucket(js, Buckets.idl, bucketOptions[Buckets.idl]);
  const cp = new ControlPlane(nc, new IdlStore(kv), log);
  cp.start();
  if (signer) {
    cp.handle(Subjects.caSign, signRequest, (req) => signer.sign(req));
    // From now on the mesh has a CA: sidecars read this record and know they need a token.
    const caKv = await openBucket(js, Buckets.ca, bucketOptions[Buckets.ca]);
    const record: CaRecord = { cert: signer.ca.certPem, trustDomain: signer.ca.trustDomain };
    await caKv.put(caKey, encodeJson(record));
  }
  const telemetry = new TelemetryAggregator(nc, log);
  telemetry.start();
  const admin = Fastify({ logger: false });
  admin.get('/healthz', async () => ({ status: 'ok' }));
  admin.get('/readyz', async (_req, reply) => (nc.isClosed() ? reply.code(503).send({ status: 'not ready' }) : { status: 'ready' }));
  admin.get('/metrics', async (_req, reply) => reply.header('content-type', 'text/plain; version=0.0.4').send(telemetry.render()));
  const adminUrl = await admin.listen({ host: opts.admin.host, port: opts.admin.port });
  await nc.flush();
  log.info({ nats: redact(opts.nats), admin: adminUrl, trustDomain: signer?.ca.trustDomain }, 'control plane ready');
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
