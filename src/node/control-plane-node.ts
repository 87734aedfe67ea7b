import Fastify from 'fastify';
import type { HostPort } from '../config/addresses';
import { ControlPlane } from '../control-plane/control-plane';
import { CertSigner, defaultCertTtlMs } from '../control-plane/cert-signer';
import { TelemetryAggregator } from '../control-plane/telemetry-aggregator';
import { AccessLogWriter } from '../control-plane/access-log-writer';
import { Dashboard } from '../control-plane/dashboard';
import { policyRows } from '../control-plane/policy-rows';
import { InstanceRates } from '../control-plane/instance-rates';
import { liveSidecars } from '../discovery/live-sidecars';
import { listQuotas } from '../quota/quota-listing';
import { programVersion } from '../config/program-version';
import { z } from 'zod';
import { EndpointsWatcher } from '../discovery/endpoints-watcher';
import { emptyEndpoints, EndpointsSnapshot } from '../snapshot/snapshots';
import { createLogger, type Logger } from '../log/logger';
import { connectNats, type NatsAuth, redact } from '../registry/connect';
import { IdlStore } from '../registry/idl-store';
import { PolicyStore } from '../registry/policy-store';
import { methodsNamedByPolicy } from '../control-plane/policy-method-use';
import { registerPolicyHandlers } from '../control-plane/policy-handlers';
import { createBuckets, patientKv } from '../registry/kv';
import { Buckets, Subjects } from '../registry/names';
import { revokeRequest, signRequest } from '../registry/records';
import { TrustStore } from '../control-plane/trust-store';
import { Teardown } from './teardown';
import { registerProtocols } from './protocols';
import { contentType } from '../telemetry/exposition';
import { ProcessMetrics } from '../telemetry/process-metrics';

export interface ControlPlaneOptions {
  readonly nats: string;
  readonly natsAuth?: NatsAuth;
  readonly admin: HostPort;
  /** The CA directory: with it this replica signs sidecar certificates. */
  readonly ca?: string;
  /** `--ca-replace`: the CA becomes the mesh's whole trust bundle (a throw-away mesh, `transmesh dev`). */
  readonly caReplace?: boolean;
  readonly certTtlMs?: number;
  /** Where access-log records go: a file path, `-` for stdout, or nowhere when absent. */
  readonly accessLog?: string;
  /** How long a provider's discovery record counts as alive without a heartbeat (as the sidecars' TRANSMESH_ENDPOINT_TTL_MS). */
  readonly endpointTtlMs?: number;
}

/** The composition root of a control plane replica: NATS, the registry and policy stores, the request handlers, the CA, telemetry, access logs and the admin listener. */
export async function startControlPlane(options: ControlPlaneOptions) {
  registerProtocols();
  const log = createLogger('control-plane');
  const undo = new Teardown(log);
  await undo.guard(() => start(options, log, undo));
  return {
    stop: async () => {
      await undo.run();
      log.info('stopped');
    },
  };
}

/** Each step registers its undo as soon as it has started: stop runs them last first, and so does a start that fails halfway. */
async function start(options: ControlPlaneOptions, log: Logger, undo: Teardown): Promise<void> {
  // Load the CA first: a bad --ca dir fails at once, before anything is announced.
  const signer = options.ca ? await CertSigner.load(options.ca, options.certTtlMs ?? defaultCertTtlMs, log) : undefined;
  const nc = await connectNats(options.nats, 'transmesh-control-plane', options.natsAuth);
  undo.add('NATS connection', () => nc.drain());
  const js = nc.jetstream();
  // Every bucket, before anything else: sidecars and the CLI only bind, and wait until these exist.
  const buckets = await createBuckets(js);
  const bucket = (name: string) => buckets.get(name)!;
  const kv = bucket(Buckets.idl);
  const policyKv = bucket(Buckets.policy);
  const policies = new PolicyStore(policyKv);
  // A push may not remove a method a stored policy names, even when forced.
  const store = new IdlStore(kv, (service) => methodsNamedByPolicy(policies, service));
  const cp = new ControlPlane(nc, store, log);
  cp.start();
  undo.add('request handlers', () => cp.drain());
  if (signer) {
    // From now on the mesh has a CA: sidecars read its record and know they need a token.
    const trust = new TrustStore(patientKv(bucket(Buckets.ca)));
    await trust.adopt(signer.ca, options.ca!, options.caReplace);
    cp.handle(Subjects.caSign, signRequest, (req) => signer.sign(req, trust));
    cp.handle(Subjects.caRevoke, revokeRequest, async (req) => {
      const rec = await trust.revoke(req);
      log.info(rec, 'revoked');
      return rec;
    });
  }
  const epKv = bucket(Buckets.endpoints);
  registerPolicyHandlers(cp, { store: policies, idl: store, endpoints: epKv, log });
  const telemetry = new TelemetryAggregator(nc, log);
  telemetry.start();
  undo.add('telemetry', () => telemetry.stop());
  const rates = new InstanceRates(telemetry);
  rates.start();
  undo.add('instance rates', () => rates.stop());
  cp.handle(Subjects.meshStatus, z.object({}).passthrough(), async () => ({ at: Date.now(), version: programVersion, instances: rates.rates() }));
  const accessLog = options.accessLog ? new AccessLogWriter(nc, options.accessLog, log) : undefined;
  if (accessLog) {
    accessLog.start();
    undo.add('access log', () => accessLog.stop());
  }
  const reopen = () => accessLog?.reopen();
  process.on('SIGHUP', reopen);
  undo.add('SIGHUP handler', () => process.off('SIGHUP', reopen));
  // The dashboard's view of discovery: the same watcher and liveness rule as the sidecars'.
  let endpoints: EndpointsSnapshot = emptyEndpoints;
  const epWatcher = new EndpointsWatcher(epKv, { heartbeatMs: 1000, ttlMs: options.endpointTtlMs ?? 15_000 }, (s) => (endpoints = s), log);
  undo.add('endpoints watcher', () => epWatcher.stop());
  await epWatcher.start();
  const dashboard = new Dashboard(
    {
      telemetry,
      endpoints: () => endpoints,
      sidecars: async () => (await liveSidecars(epKv)).map((l) => l.record),
      idl: store,
      policies: (sidecars) => policyRows(policies, sidecars),
      quotas: () => listQuotas(nc, Date.now()),
    },
    log,
  );
  dashboard.start();
  undo.add('dashboard', () => dashboard.stop());
  const admin = Fastify({ logger: false });
  dashboard.routes(admin);
  admin.get('/healthz', async () => ({ status: 'ok' }));
  admin.get('/readyz', async (_req, reply) => (nc.isClosed() ? reply.code(503).send({ status: 'not ready' }) : { status: 'ready' }));
  const proc = new ProcessMetrics();
  admin.get('/metrics', async (_req, reply) => reply.header('content-type', contentType).send(telemetry.render() + proc.render()));
  undo.add('admin listener', () => admin.close());
  const adminUrl = await admin.listen({ host: options.admin.host, port: options.admin.port });
  await nc.flush();
  proc.start();
  undo.add('process metrics', () => proc.stop());
  log.info({ nats: redact(options.nats), admin: adminUrl, accessLog: options.accessLog ?? null, trustDomain: signer?.ca.trustDomain }, 'control plane ready');
}
