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

/**
 * The composition root of a sidecar: connects NATS, fills the data plane's snapshot cells from
 * the registry and discovery watchers, announces the local providers and publishes telemetry.
 * The CLI only parses flags and calls startSidecar; tests can start a whole sidecar in process.
 */

function seesItself(sidecar: Sidecar, instance: string): Promise<void> {
  return new Promise((resolve) =>
    sidecar.endpoints.onSwap((snap) => {
      for (const list of snap.byService.values()) if (list.some((e) => e.instance === instance)) return resolve();
    }),
  );
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

export async function startSidecar(config: SidecarConfig, otel?: OtelConfig) {
  const log = createLogger('sidecar');
  const nc = await connectNats(config.nats, `transmesh-sidecar-${config.app}`, config.natsAuth);
  // Before listening: on a mesh with a CA, no valid token means no certificate and no sidecar.
  const identity = await joinMesh(nc, config.app, config.token, log).catch(async (err) => {
    await nc.close();
    throw err;
  });
  const stopRenewal = identity?.renew();
  const tracer = otel?.url ? startTracing({ ...otel, url: otel.url }, otel.serviceName ?? config.app, log) : undefined;
  // Quota counters: the sidecar's fallback share needs the app's live sidecars, which discovery knows once it runs.
  let appSidecars = (_app: string) => 1;
  const sidecar = new Sidecar(config, log, { tracer, tls: identity?.tls, quotas: { source: quotaLeaseSource(nc, log), appSidecars: (app) => appSidecars(app) } });
  const bound = await sidecar.listen();
  const js = nc.jetstream();
  // Bound, never created: the control plane creates the buckets (docs/security.md, least privilege).
  const idlKv = await bindBucket(js, Buckets.idl, log, { wait: true });
  const epKv = await bindBucket(js, Buckets.endpoints, log, { wait: true });
  const policyKv = await bindBucket(js, Buckets.policy, log, { wait: true });
  const idlWatcher = new IdlWatcher(idlKv, (s) => sidecar.idl.swap(s), log);
  const epWatcher = new EndpointsWatcher(epKv, { heartbeatMs: config.heartbeatMs, ttlMs: config.endpointTtlMs }, (s) => sidecar.endpoints.swap(s), log);
  appSidecars = (app) => epWatcher.sidecarsOf(app);
  // Reports go into the discovery record once it exists; before that, into the first one put.
  let announce = (_report: PolicyReport): void => {};
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
  await Promise.all([idlWatcher.start(), epWatcher.start()]);
  await policyWatcher.start();
  sidecar.idl.onSwap(() => policyWatcher.idlChanged());
  followConnection(nc, log, (up) => {
    if (!up) return epWatcher.disconnected();
    Promise.all([epWatcher.reconnected(), idlWatcher.restart(), policyWatcher.restart()]).then(
      () => log.info('watching the registry and discovery again'),
      (err) => log.error({ err }, 'could not watch again after NATS came back'),
    );
  });
  // `<app>.<host-pid-random>`: the app is a subject token of its discovery key, so a NATS user per
  // app can be allowed to write `$KV.transmesh_endpoints.<app>.>` and nothing else (docs/security.md).
  const instance = `${config.app}.${`${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`.replace(/[^-_=a-zA-Z0-9]/g, '_')}`;
  const telemetry = new TelemetryPublisher(nc, sidecar.metrics, { instance, app: config.app }, config.telemetryMs, log);
  telemetry.start();
  const accessLogs = new AccessLogPublisher(nc, sidecar.accessLog, { instance, app: config.app }, Math.min(config.telemetryMs, 1000), log);
  accessLogs.start();
  // Every sidecar announces itself, so the control plane knows whom a policy apply waits for;
  // a consumer's record lists no services, so nobody routes to it.
  const host = config.advertise ?? firstNonLoopback();
  const announcer = new Announcer(
    epKv,
    {
      instance,
      app: config.app,
      address: `${host.includes(':') ? `[${host}]` : host}:${bound.inbound}`,
      services: [...sidecar.providers.values()].map((p) => ({ name: p.service, protocol: p.protocol, thriftProtocol: p.thriftProtocol })),
      labels: { ...config.label },
      ...policyReport,
      heartbeatMs: config.heartbeatMs,
    },
    config.heartbeatMs,
    log,
    epWatcher,
  );
  announce = (report) => void announcer.update(report);
  const seen = config.provide.length ? seesItself(sidecar, instance) : Promise.resolve();
  await announcer.start();
  // Ready means discovery already routes to this sidecar's own providers too.
  await Promise.race([seen, new Promise((r) => setTimeout(r, 2000).unref())]);
  log.info({ app: config.app, listen: bound.listen, inbound: bound.inbound, admin: bound.admin, mtls: !!identity }, 'sidecar ready');
  const stop = async () => {
    log.info('draining');
    await announcer.withdraw();
    await sidecar.drain();
    telemetry.stop();
    accessLogs.stop();
    await tracer?.shutdown().catch((err: unknown) => log.warn({ err }, 'spans not exported at shutdown'));
    stopRenewal?.();
    idlWatcher.stop();
    epWatcher.stop();
    policyWatcher.stop();
    await nc.close();
    log.info('stopped');
  };
  return { sidecar, bound, stop };
}
