import type { Logger } from '../log/logger';
import type { SidecarConfig } from '../config/sidecar-config';
import { formatHostPort } from '../config/addresses';
import { Metrics } from '../telemetry/metrics';
import { SnapshotCell } from '../snapshot/snapshot-cell';
import { emptyEndpoints, emptyIdl, EndpointsSnapshot, IdlSnapshot } from '../snapshot/snapshots';
import { emptyPolicies, type PolicySnapshot } from '../policy/service-policy';
import { PeerClient } from '../transport/peer/peer-client';
import { MuxPeerClient } from '../transport/peer/mux-client';
import { outboundStack } from './outbound/outbound-stack';
import { Breaker } from './outbound/breaker';
import { HttpListener } from './outbound/http-listener';
import { PeerServer } from './inbound/peer-server';
import { createAdminServer } from './admin/admin-server';
import { ProcessMetrics } from '../telemetry/process-metrics';
import { GrpcProvider } from './inbound/grpc-provider';
import { ThriftProvider } from './inbound/thrift-provider';
import type { Provider } from './inbound/provider';
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
  readonly idl = new SnapshotCell<IdlSnapshot>(emptyIdl);
  readonly endpoints = new SnapshotCell<EndpointsSnapshot>(emptyEndpoints);
  readonly policies = new SnapshotCell<PolicySnapshot>(emptyPolicies);
  readonly metrics = new Metrics();
  readonly accessLog: AccessLog;
  readonly providers: ReadonlyMap<string, Provider>;
  private readonly peers: PeerClient | MuxPeerClient;
  private readonly access: AccessGate;
  readonly limits = new LimitMetrics();
  /** Mesh-wide quota leases of this sidecar's app; undefined without a counter store. */
  readonly ledger: QuotaLedger | undefined;
  private readonly http: HttpListener;
  private readonly peerServer: PeerServer;
  private readonly admin;
  private draining = false;
  private readonly processGauges = new ProcessMetrics().start();

  constructor(
    private readonly config: SidecarConfig,
    log: Logger,
    /** Tracing (when an OTLP endpoint is configured) and the mesh certificate (when the mesh has a CA: the peer hop is then mTLS both ways). */
    opts: { tracer?: MeshTracer; tls?: MeshTls; quotas?: SidecarQuotas } = {},
  ) {
    const { tracer, tls, quotas } = opts;
    this.ledger = quotas && this.quotaLedger(quotas, log);
    this.accessLog = new AccessLog({ ...defaultAccessLogOptions, sample: config.accessLogSample, slowMs: config.accessLogSlowMs });
    const clientTls = tls && peerTls(tls, this.endpoints);
    this.peers = config.peerProtocol === 'mux' ? new MuxPeerClient(config, clientTls) : new PeerClient(config, clientTls);
    this.access = new AccessGate(this.policies, log);
    this.providers = new Map(
      config.provide.map((p) => [p.service, p.protocol === 'grpc' ? new GrpcProvider(p.service, p.url, config) : new ThriftProvider(p.service, p.url, config.maxMessageBytes)]),
    );
    const breaker = new Breaker(this.metrics.policy);
    // Sessions to providers that left discovery are closed, not kept for ever.
    this.endpoints.onSwap((snap) => this.peers.retain(new Set([...snap.byService.values()].flatMap((list) => list.map((e) => e.address)))));
    const handler = outboundStack({ idl: this.idl, endpoints: this.endpoints, policies: this.policies, metrics: this.metrics, peers: this.peers, defaultTimeoutMs: config.defaultTimeoutMs, accessLog: this.accessLog, tracer, breaker, quotas: this.ledger && { ledger: this.ledger, metrics: this.limits } });
    this.http = new HttpListener(handler, config.app, log, config);
    const observer = new InboundObserver(this.metrics, this.accessLog, new Map(config.provide.map((p) => [p.service, p.url])), tracer);
    this.peerServer = new PeerServer(this.providers, observer, config.defaultTimeoutMs, log, this.idl, config, inboundGuard(tls, this.access, new RateGate(this.policies, this.limits)));
    this.admin = createAdminServer({
      metrics: this.metrics,
      accessLog: this.accessLog,
      extraMetrics: () => this.access.render() + this.limits.render(this.ledger) + (tracer?.render?.() ?? '') + this.processGauges.render(),
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

  /** Binds all three listeners; returns the bound addresses (ports may have been 0). */
  async listen(): Promise<{ listen: string; inbound: number; admin: string }> {
    const { listen, inbound, admin } = this.config;
    const listenAddr = await this.http.listen(listen.host, listen.port);
    const inboundPort = await new Promise<number>((resolve, reject) => {
      this.peerServer.server.once('error', reject);
      this.peerServer.server.listen(inbound.port, inbound.host, () => resolve((this.peerServer.server.address() as { port: number }).port));
    });
    const adminAddr = await this.admin.listen({ host: admin.host, port: admin.port });
    return { listen: listenAddr, inbound: inboundPort, admin: adminAddr };
  }

  /** Stops taking calls, lets the ones in flight finish (up to drainMs), then closes. */
  async drain(): Promise<void> {
    this.draining = true;
    const timeout = new Promise<void>((r) => setTimeout(r, this.config.drainMs).unref());
    await Promise.race([Promise.all([this.http.close(), this.peerServer.idle(), this.peerServer.close()]), timeout]);
    await this.admin.close();
    for (const p of this.providers.values()) p.close();
    this.peers.close();
    this.processGauges.stop();
  }
}
