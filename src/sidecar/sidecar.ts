import type { Logger } from '../log/logger';
import type { SidecarConfig } from '../config/sidecar-config';
import { formatHostPort } from '../config/addresses';
import { Metrics } from '../telemetry/metrics';
import { SnapshotCell } from '../snapshot/snapshot-cell';
import { emptyEndpoints, emptyIdl, EndpointsSnapshot, findMethod, IdlSnapshot } from '../snapshot/snapshots';
import type { MethodModel } from '../idl/model';
import { emptyPolicies, type PolicySnapshot } from '../policy/service-policy';
import { H2Client } from '../transport/grpc/h2-client';
import { MuxPeerClient } from './peer/mux-client';
import { outboundStacks } from './outbound/outbound-stack';
import { Breaker } from './outbound/breaker';
import { RestCalls } from './outbound/rest-calls';
import { HttpListener } from './outbound/http-listener';
import { GrpcListener, type LocalMethod, type LocalStreamMethod } from './outbound/grpc-listener';
import { AppListener } from './outbound/app-listener';
import { GrpcHealth } from './outbound/grpc-health';
import { GrpcReflection } from './outbound/grpc-reflection';
import { PeerServer } from './peer/peer-server';
import { createAdminServer } from './admin/admin-server';
import { callerProtocolFor, providerFactoryFor } from '../protocol/protocol-registry';
import { CallerListener } from './outbound/caller-listener';
import type { CallerCallHandler } from './outbound/caller-layer';
import type { ProviderFactory } from '../protocol/protocol-adapter';
import type { Provider } from '../protocol/provider';
import { InboundObserver } from './inbound/inbound-observer';
import type { MeshTracer } from './tracing/mesh-tracer';
import { AccessLog, defaultAccessLogOptions } from '../telemetry/access-log';
import type { MeshTls } from '../identity/mesh-tls';
import { AccessGate } from './inbound/access-gate';
import { inboundGuard } from './inbound/inbound-guard';
import { peerTls } from './peer-tls';
import { quotaId, type LeaseSource } from '../policy/quota-lease';
import { QuotaLedger } from './limits/quota-ledger';
import { LimitMetrics } from './limits/limit-metrics';
import { RateGate } from './limits/rate-gate';
import { noRevocations, type Revocations } from '../identity/revocation';
import { RevocationGate } from './inbound/revocation-gate';

export interface SidecarQuotas {
  /** The mesh-wide counters (KV with compare-and-set in src/quota; the data plane sees only the interface). */
  readonly source: LeaseSource;
  /** Live sidecars of an app, from discovery: the even share a sidecar falls back to when the store does not answer. */
  readonly appSidecars: (app: string) => number;
}

/**
 * The data plane of one host: the app-facing listener (outbound), the peer listener
 * (inbound) and the admin listener. It reads only the snapshot cells it is given.
 */
export class Sidecar {
  readonly idl: SnapshotCell<IdlSnapshot>;
  readonly endpoints: SnapshotCell<EndpointsSnapshot>;
  readonly policies: SnapshotCell<PolicySnapshot>;
  /** The mesh's deny list (mesh with a CA): callers with a revoked certificate are refused. */
  readonly revocations: SnapshotCell<Revocations>;
  readonly metrics = new Metrics();
  readonly accessLog: AccessLog;
  readonly providers: ReadonlyMap<string, Provider>;
  private readonly peers: H2Client | MuxPeerClient;
  private readonly access: AccessGate;
  readonly limits = new LimitMetrics();
  /** Mesh-wide quota leases of this sidecar's app; undefined without a counter store. */
  readonly ledger: QuotaLedger | undefined;
  /** HTTP/JSON and native gRPC callers, on one port. */
  private readonly app: AppListener;
  /** Native callers of protocols with listeners of their own (`--thrift-listen`), one per address. */
  private readonly callerListeners: CallerListener[];
  private readonly peerServer: PeerServer;
  private readonly admin;
  private draining = false;

  constructor(
    private readonly config: SidecarConfig,
    log: Logger,
    /** Tracing (when an OTLP endpoint is configured) and the mesh certificate (when the mesh has a CA: the peer hop is then mTLS both ways). */
    opts: { tracer?: MeshTracer; tls?: MeshTls; quotas?: SidecarQuotas } = {},
  ) {
    const { tracer, tls, quotas } = opts;
    const failed = (snapshot: string) => (err: unknown) => log.error({ err, snapshot }, 'a listener of a new snapshot failed; the others ran');
    this.idl = new SnapshotCell<IdlSnapshot>(emptyIdl, failed('idl'));
    this.endpoints = new SnapshotCell<EndpointsSnapshot>(emptyEndpoints, failed('endpoints'));
    this.policies = new SnapshotCell<PolicySnapshot>(emptyPolicies, failed('policies'));
    this.revocations = new SnapshotCell<Revocations>(noRevocations, failed('revocations'));
    this.ledger = quotas && this.quotaLedger(quotas, log);
    this.accessLog = new AccessLog({ ...defaultAccessLogOptions, sample: config.accessLogSample, slowMs: config.accessLogSlowMs });
    const clientTls = tls && peerTls(tls, this.endpoints);
    this.peers = config.peerProtocol === 'mux' ? new MuxPeerClient(config, clientTls) : new H2Client(config, clientTls);
    this.access = new AccessGate(this.policies, log);
    this.providers = new Map(
      config.provide.map((p) => [p.service, providerFor(p.url).create(p.service, p.url, config)]),
    );
    const breaker = new Breaker(this.metrics.policy);
    // Sessions to providers that left discovery are closed, not kept for ever.
    this.endpoints.onSwap((snap) => this.peers.retain(new Set([...snap.byService.values()].flatMap((list) => list.map((e) => e.address)))));
    const stacks = outboundStacks({ idl: this.idl, endpoints: this.endpoints, policies: this.policies, metrics: this.metrics, peers: this.peers, defaultTimeoutMs: config.defaultTimeoutMs, accessLog: this.accessLog, tracer, breaker, quotas: this.ledger && { ledger: this.ledger, metrics: this.limits } });
    this.app = new AppListener(new HttpListener(stacks.json, config.app, log, config, config.json, new RestCalls(this.idl), { isStreaming: (svc, m) => isStreaming(findMethod(this.idl.current, svc, m)?.method), handler: stacks.jsonStream }), new GrpcListener(stacks.grpc, config.app, log, config, new Map<string, LocalMethod | LocalStreamMethod>([...new GrpcHealth(this.idl, this.endpoints, () => this.draining).methods(), ...new GrpcReflection(this.idl).methods()]), { isStreaming: (svc, m) => isStreaming(findMethod(this.idl.current, svc, m)?.method), handler: stacks.stream }), config);
    this.callerListeners = callerListenersFor(config, stacks.callers, log);
    const observer = new InboundObserver(this.metrics, this.accessLog, new Map(config.provide.map((p) => [p.service, p.url])), tracer);
    const revoked = tls && new RevocationGate(tls, this.revocations, log);
    if (tls) this.recycleOnTrustChange(tls);
    this.peerServer = new PeerServer(this.providers, observer, config.defaultTimeoutMs, log, this.idl, config, inboundGuard(tls, this.access, new RateGate(this.policies, this.limits), revoked));
    this.admin = createAdminServer({
      metrics: this.metrics,
      accessLog: this.accessLog,
      extraMetrics: () => this.access.render() + (revoked?.render() ?? '') + this.limits.render(this.ledger) + (tracer?.render?.() ?? ''),
      idl: this.idl,
      endpoints: this.endpoints,
      policies: this.policies,
      ejected: () => breaker.ejected(Date.now()),
      draining: () => this.draining,
      info: () => ({
        app: config.app,
        mtls: !!tls,
        labels: config.label,
        listen: formatHostPort(config.listen),
        inbound: formatHostPort(config.inbound),
        providers: config.provide,
        policyRevisions: Object.fromEntries([...this.policies.current.byService].map(([s, p]) => [s, p.revision])),
      }),
    });
  }

  /**
   * When the trust bundle or the CA of this sidecar's own certificate changes (a CA rotation),
   * sessions to providers are closed gracefully (calls in flight finish; the next call opens a
   * new one), so no session outlives the CA it was verified with. A plain renewal keeps them.
   */
  private recycleOnTrustChange(tls: MeshTls): void {
    const key = () => `${tls.trusted.join('')}|${tls.certInfo().issuer}`;
    let last = key();
    tls.onUpdate(() => {
      const now = key();
      if (now === last) return;
      last = now;
      this.peers.retain(new Set());
    });
  }

  private quotaLedger(quotas: SidecarQuotas, log: Logger): QuotaLedger {
    const ledger = new QuotaLedger(quotas.source, (app) => Math.max(1, quotas.appSidecars(app)), Date.now, {
      degraded: (key, share, err) => {
        this.limits.fallback(key.service, key.caller);
        log.warn({ err, service: key.service, caller: key.caller, quota: key.quotaId, share }, 'quota counters not reachable: counting alone on an even share of what was left');
      },
      recovered: (key) => log.info({ service: key.service, caller: key.caller, quota: key.quotaId }, 'quota counters reachable again: counting mesh-wide'),
    });
    // Quotas gone from every policy are forgotten.
    this.policies.onSwap((snap) => ledger.retain((service, id) => !!snap.byService.get(service)?.quotas.some((q) => quotaId(q) === id)));
    return ledger;
  }

  /** Binds all listeners; returns the bound addresses (ports may have been 0), `callers` in the order of their flags. */
  async listen(): Promise<{ listen: string; inbound: number; admin: string; callers: string[] }> {
    const { listen, inbound, admin } = this.config;
    const listenAddr = await this.app.listen(listen.host, listen.port);
    const callers: string[] = [];
    // host:port: these listeners speak no HTTP.
    for (const [i, l] of this.config['thrift-listen'].entries()) callers.push(new URL(await this.callerListeners[i].listen(l.host, l.port)).host);
    const inboundPort = await new Promise<number>((resolve, reject) => {
      this.peerServer.server.once('error', reject);
      this.peerServer.server.listen(inbound.port, inbound.host, () => resolve((this.peerServer.server.address() as { port: number }).port));
    });
    const adminAddr = await this.admin.listen({ host: admin.host, port: admin.port });
    return { listen: listenAddr, inbound: inboundPort, admin: adminAddr, callers };
  }

  /** Stops taking calls, lets the ones in flight finish (up to drainMs), then closes the connections still open. */
  async drain(): Promise<void> {
    this.draining = true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), this.config.drainMs)));
    const closed = Promise.all([this.app.close(), ...this.callerListeners.map((l) => l.close()), this.peerServer.idle(), this.peerServer.close()]);
    if ((await Promise.race([closed, timeout])) === 'timeout') {
      // Calls still in flight are cut off: their callers see the connection go, not a hang.
      this.app.closeConnections();
      for (const l of this.callerListeners) l.closeConnections();
      this.peerServer.closeConnections();
      await closed;
    }
    clearTimeout(timer);
    await this.admin.close();
    for (const p of this.providers.values()) p.close();
    this.peers.close();
  }
}

/** The adapter serving a `--provide` URL; the config schema already refused URLs none serves. */
function providerFor(url: string): ProviderFactory {
  const factory = providerFactoryFor(url);
  if (!factory) throw new Error(`no protocol adapter serves ${url}`);
  return factory;
}

/** A listener per `--thrift-listen` address, each protocol's request path composed once. */
function callerListenersFor(config: SidecarConfig, stackFor: (protocol: string) => CallerCallHandler, log: Logger): CallerListener[] {
  const stacks = new Map<string, CallerCallHandler>();
  return config['thrift-listen'].map((l) => {
    const protocol = callerProtocolFor(l.protocol);
    if (!protocol) throw new Error(`no protocol adapter takes native ${l.protocol} callers`);
    let stack = stacks.get(l.protocol);
    if (!stack) stacks.set(l.protocol, (stack = stackFor(l.protocol)));
    return new CallerListener(protocol, l.service, stack, config.app, log, config);
  });
}

/** A client-, server- or bidi-streaming method (the native gRPC listener runs those as streams). */
function isStreaming(m: MethodModel | undefined): boolean {
  return m !== undefined && (m.clientStreaming || m.serverStreaming);
}
