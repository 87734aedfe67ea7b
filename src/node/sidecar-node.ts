import { randomBytes } from 'node:crypto';
import { hostname, networkInterfaces } from 'node:os';
import { Events, NatsConnection } from 'nats';
import type { SidecarConfig } from '../config/sidecar-config';
import { Announcer } from '../discovery/announcer';
import { EndpointsWatcher } from '../discovery/endpoints-watcher';
import { createLogger, type Logger } from '../log/logger';
import { connectNats } from '../registry/connect';
import { IdlWatcher } from '../registry/idl-watcher';
import { PolicyReport, PolicyWatcher } from '../registry/policy-watcher';
import { bindBucket } from '../registry/kv';
import { Buckets } from '../registry/names';
import { Sidecar } from '../sidecar/sidecar';
import { TelemetryPublisher } from './telemetry-publisher';
import { AccessLogPublisher } from './access-log-publisher';
import type { OtelConfig } from '../config/otel-config';
import type { MeshTracer } from '../sidecar/tracing/mesh-tracer';
import { createOtlpTracer } from '../sidecar/tracing/otlp-tracer';
import { joinMesh } from './mesh-identity';
import { quotaLeaseSource } from '../quota/quota-bucket';
import { registerProtocols } from './protocols';
import { programVersion } from '../config/program-version';
import type { EndpointRecord } from '../registry/records';
import type { IdlSnapshot } from '../snapshot/snapshots';
import { Teardown } from './teardown';

/**
 * The composition root of a sidecar: connects NATS, fills the data plane's snapshot cells from
 * the registry and discovery watchers, announces the local providers and publishes telemetry.
 * The CLI only parses flags and calls startSidecar; tests can start a whole sidecar in process.
 */

/** Resolves once discovery lists this sidecar's own instance, or after `ms`; either way it stops listening. */
function seesItself(sidecar: Sidecar, instance: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      off();
      resolve();
    };
    const timer = setTimeout(done, ms);
    timer.unref();
    const off = sidecar.endpoints.onSwap((snap) => {
      for (const list of snap.byService.values()) if (list.some((e) => e.instance === instance)) return done();
    });
  });
}

/** Logs NATS going away and coming back, and tells discovery, which must not age endpoints meanwhile. */
function followConnection(nc: NatsConnection, log: Logger, onChange: (connected: boolean) => void): void {
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === Events.Disconnect) {
        log.warn({ server: s.data }, 'NATS connection lost; serving from the last snapshots');
        onChange(false);
      } else if (s.type === Events.Reconnect) {
        log.info({ server: s.data }, 'NATS connection back');
        onChange(true);
      }
    }
  })().catch((err: unknown) => log.error({ err }, 'NATS status feed ended'));
}

/** The tracer is built only with an endpoint, so a sidecar without one has no tracing layer at all. */
function startTracing(otel: OtelConfig & { url: string }, serviceName: string, log: Logger): MeshTracer {
  const { url, protocol, sampler, batch } = otel;
  log.info({ url, protocol, serviceName, sampler, batch }, 'exporting traces over OTLP');
  return createOtlpTracer({ ...otel, url, serviceName, warn: (msg) => log.warn(msg) });
}

export function firstNonLoopback(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal && a.family === 'IPv4') return a.address;
  }
  return '127.0.0.1';
}

/** service → IDL version, as the sidecar serves them (its discovery record says so for `transmesh status`). */
function idlVersions(s: IdlSnapshot): Record<string, number> {
  return Object.fromEntries([...s.services].map(([name, e]) => [name, e.version]));
}

export async function startSidecar(config: SidecarConfig, otel?: OtelConfig) {
  registerProtocols();
  const log = createLogger('sidecar');
  const undo = new Teardown(log);
  const started = await undo.guard(() => start(config, otel, log, undo));
  const stop = async () => {
    log.info('draining');
    await undo.run();
    log.info('stopped');
  };
  return { ...started, stop };
}

/** Each step registers its undo as soon as it has started: stop runs them last first, and so does a start that fails halfway. */
async function start(config: SidecarConfig, otel: OtelConfig | undefined, log: Logger, undo: Teardown) {
  const startedAt = new Date().toISOString();
  const nc = await connectNats(config.nats, `transmesh-sidecar-${config.app}`, config.natsAuth);
  undo.add('NATS connection', () => nc.close());
  // `<app>.<host-pid-random>`: the app is a subject token of its discovery key, so a NATS user per
  // app can be allowed to write `$KV.transmesh_endpoints.<app>.>` and nothing else (docs/security.md).
  // Its certificate names it too, so one sidecar can be revoked (transmesh cert revoke --instance).
  const instance = `${config.app}.${`${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`.replace(/[^-_=a-zA-Z0-9]/g, '_')}`;
  // Before listening: on a mesh with a CA, no valid token means no certificate and no sidecar.
  const identity = await joinMesh(nc, config.app, instance, config.token, log);
  const tracer = otel?.url ? startTracing({ ...otel, url: otel.url }, otel.serviceName ?? config.app, log) : undefined;
  if (tracer) undo.add('tracer', () => tracer.shutdown().catch((err: unknown) => log.warn({ err }, 'spans not exported at shutdown')));
  // Quota counters: the sidecar's fallback share needs the app's live sidecars, which discovery knows once it runs.
  let appSidecars = (_app: string) => 1;
  const sidecar = new Sidecar(config, log, { tracer, tls: identity?.tls, quotas: { source: quotaLeaseSource(nc, log), appSidecars: (app) => appSidecars(app) } });
  // The deny list is loaded before the peer port listens, so a revoked caller is never let in.
  let certInfo = identity?.tls.certInfo();
  let announceCert = (): void => {};
  if (identity) undo.add('certificate renewal and trust', () => identity.stop());
  await identity?.start({
    revocations: (r) => sidecar.revocations.swap(r),
    certChanged: (info) => {
      certInfo = info;
      announceCert();
    },
  });
  const js = nc.jetstream();
  // Bound, never created: the control plane creates the buckets (docs/security.md, least privilege).
  const idlKv = await bindBucket(js, Buckets.idl, log, { wait: true });
  const epKv = await bindBucket(js, Buckets.endpoints, log, { wait: true });
  const policyKv = await bindBucket(js, Buckets.policy, log, { wait: true });
  const idlWatcher = new IdlWatcher(idlKv, (s) => sidecar.idl.swap(s), log);
  const epWatcher = new EndpointsWatcher(epKv, { heartbeatMs: config.heartbeatMs, ttlMs: config.endpointTtlMs }, (s) => sidecar.endpoints.swap(s), log);
  appSidecars = (app) => epWatcher.sidecarsOf(app);
  // Reports go into the discovery record once it exists; before that, into the first one put.
  // Changes go into the discovery record once it exists; before that, into the first one put.
  let announce = (_change: Partial<EndpointRecord>): void => {};
  let policyReport: PolicyReport = { policies: {}, policyErrors: {} };
  const policyWatcher = new PolicyWatcher(
    policyKv,
    () => sidecar.idl.current,
    (s, report) => {
      // Swapped before it is reported, so a call made once apply returns runs the new revision.
      sidecar.policies.swap(s);
      policyReport = report;
      announce(report);
    },
    log,
  );
  undo.add('watchers', () => {
    idlWatcher.stop();
    epWatcher.stop();
    policyWatcher.stop();
  });
  await Promise.all([idlWatcher.start(), epWatcher.start()]);
  await policyWatcher.start();
  undo.add(
    'policy rebuild on IDL change',
    sidecar.idl.onSwap((s) => {
      policyWatcher.idlChanged();
      announce({ idl: idlVersions(s) });
    }),
  );
  followConnection(nc, log, (up) => {
    if (!up) return epWatcher.disconnected();
    Promise.all([epWatcher.reconnected(), idlWatcher.restart(), policyWatcher.restart(), identity?.restart()]).then(
      () => log.info('watching the registry and discovery again'),
      (err) => log.error({ err }, 'could not watch again after NATS came back'),
    );
  });
  const telemetry = new TelemetryPublisher(nc, sidecar.metrics, { instance, app: config.app }, config.telemetryMs, log);
  telemetry.start();
  const accessLogs = new AccessLogPublisher(nc, sidecar.accessLog, { instance, app: config.app }, Math.min(config.telemetryMs, 1000), log);
  accessLogs.start();
  undo.add('telemetry and access logs', () => {
    telemetry.stop();
    accessLogs.stop();
  });
  // Listening last but for the announcement: drained once it is withdrawn, before telemetry sends its last report.
  undo.add('listeners', () => sidecar.drain());
  const bound = await sidecar.listen();
  // Every sidecar announces itself, so the control plane knows whom a policy apply waits for;
  // a consumer's record lists no services, so nobody routes to it.
  const host = config.advertise ?? firstNonLoopback();
  const announcer = new Announcer(
    epKv,
    {
      instance,
      app: config.app,
      address: `${host.includes(':') ? `[${host}]` : host}:${bound.inbound}`,
      services: [...sidecar.providers.values()].map((p) => ({ name: p.service, protocol: p.protocol, encoding: p.encoding })),
      labels: { ...config.label },
      ...policyReport,
      heartbeatMs: config.heartbeatMs,
      version: programVersion,
      startedAt,
      idl: idlVersions(sidecar.idl.current),
      ...(certInfo ? { cert: certInfo } : {}),
    },
    config.heartbeatMs,
    log,
    epWatcher,
  );
  announce = (change) => void announcer.update(change);
  announceCert = () => void announcer.update({ cert: certInfo });
  // Ready means discovery already routes to this sidecar's own providers too.
  const seen = config.provide.length ? seesItself(sidecar, instance, 2000) : Promise.resolve();
  undo.add('announcement', () => announcer.withdraw());
  await announcer.start();
  await seen;
  log.info({ app: config.app, listen: bound.listen, inbound: bound.inbound, admin: bound.admin, ...(bound.callers.length ? { thrift: bound.callers } : {}), mtls: !!identity }, 'sidecar ready');
  return { sidecar, bound };
}
