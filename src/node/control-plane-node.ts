import Fastify from 'fastify';
import type { HostPort } from '../config/addresses';
import { ControlPlane } from '../control-plane/control-plane';
import { CertSigner, defaultCertTtlMs } from '../control-plane/cert-signer';
import { TelemetryAggregator } from '../control-plane/telemetry-aggregator';
import { ProcessMetrics } from '../telemetry/process-metrics';
import { AccessLogWriter } from '../control-plane/access-log-writer';
import { Dashboard } from '../control-plane/dashboard';
import { PolicyPeek } from '../control-plane/policy-peek';
import { EndpointsWatcher } from '../discovery/endpoints-watcher';
import { emptyEndpoints, EndpointsSnapshot } from '../snapshot/snapshots';
import { createLogger } from '../log/logger';
import { connectNats, type NatsAuth, redact } from '../registry/connect';
import { IdlStore } from '../registry/idl-store';
import { PolicyStore } from '../registry/policy-store';
import { registerPolicyHandlers } from '../control-plane/policy-handlers';
import { createBuckets, encodeJson } from '../registry/kv';
import { Buckets, caKey, Subjects } from '../registry/names';
import { signRequest, type CaRecord } from '../registry/records';

export interface ControlPlaneOptions {
  readonly nats: string;
  readonly natsAuth?: NatsAuth;
  readonly admin: HostPort;
  /** The CA directory: with it this replica signs sidecar certificates. */
  readonly ca?: string;
  readonly certTtlMs?: number;
  /** Where access-log records go: a file path, `-` for stdout, or nowhere when absent. */
  readonly accessLog?: string;
  /** How long a provider's discovery record counts as alive without a heartbeat (as the sidecars' TRANSMESH_ENDPOINT_TTL_MS). */
  readonly endpointTtlMs?: number;
}

/** The composition root of a control plane replica: NATS, the registry and policy stores, the request handlers, the CA, telemetry, access logs and the admin listener. */
export async function startControlPlane(options: ControlPlaneOptions) {
  const log = createLogger('control-plane');
  // Load the CA first: a bad --ca dir fails at once, before anything is announced.
  const signer = options.ca ? await CertSigner.load(options.ca, options.certTtlMs ?? defaultCertTtlMs, log) : undefined;
  const nc = await connectNats(options.nats, 'transmesh-control-plane', options.natsAuth);
  const js = nc.jetstream();
  // Every bucket, before anything else: sidecars only bind, and wait until these exist.
  const buckets = await createBuckets(js);
  const bucket = (name: string) => buckets.get(name)!;
  const kv = bucket(Buckets.idl);
  const store = new IdlStore(kv);
  const cp = new ControlPlane(nc, store, log);
  cp.start();
  if (signer) {
    cp.handle(Subjects.caSign, signRequest, (req) => signer.sign(req));
    // From now on the mesh has a CA: sidecars read this record and know they need a token.
    const caKv = bucket(Buckets.ca);
    const record: CaRecord = { cert: signer.ca.certPem, trustDomain: signer.ca.trustDomain };
    await caKv.put(caKey, encodeJson(record));
  }
  const policyKv = bucket(Buckets.policy);
  const epKv = bucket(Buckets.endpoints);
  registerPolicyHandlers(cp, { store: new PolicyStore(policyKv), idl: store, endpoints: epKv, log });
  const telemetry = new TelemetryAggregator(nc, log);
  telemetry.start();
  const accessLog = options.accessLog ? new AccessLogWriter(nc, options.accessLog, log) : undefined;
  accessLog?.start();
  const reopen = () => accessLog?.reopen();
  process.on('SIGHUP', reopen);
  // The dashboard's view of discovery: the same watcher and liveness rule as the sidecars'.
  let endpoints: EndpointsSnapshot = emptyEndpoints;
  const epWatcher = new EndpointsWatcher(epKv, { heartbeatMs: 1000, ttlMs: options.endpointTtlMs ?? 15_000 }, (s) => (endpoints = s), log);
  await epWatcher.start();
  const dashboard = new Dashboard({ telemetry, endpoints: () => endpoints, idl: store, policies: new PolicyPeek(js) }, log);
  dashboard.start();
  const admin = Fastify({ logger: false });
  dashboard.routes(admin);
  admin.get('/healthz', async () => ({ status: 'ok' }));
  admin.get('/readyz', async (_req, reply) => (nc.isClosed() ? reply.code(503).send({ status: 'not ready' }) : { status: 'ready' }));
  const processMetrics = new ProcessMetrics().start();
  admin.get('/metrics', async (_req, reply) => reply.header('content-type', 'text/plain; version=0.0.4').send(telemetry.render() + processMetrics.render()));
  const adminUrl = await admin.listen({ host: options.admin.host, port: options.admin.port });
  await nc.flush();
  log.info({ nats: redact(options.nats), admin: adminUrl, accessLog: options.accessLog ?? null, trustDomain: signer?.ca.trustDomain }, 'control plane ready');
  return {
    stop: async () => {
      await admin.close();
      telemetry.stop();
      processMetrics.stop();
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
