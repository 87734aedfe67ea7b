import type { Logger } from '../log/logger';
import type { SidecarConfig } from '../config/sidecar-config';
import { formatHostPort } from '../config/addresses';
import { Metrics } from '../telemetry/metrics';
import { SnapshotCell } from '../snapshot/snapshot-cell';
import { emptyEndpoints, emptyIdl, EndpointsSnapshot, IdlSnapshot } from '../snapshot/snapshots';
import { PeerClient } from '../transport/peer/peer-client';
import { outboundStack } from './outbound/outbound-stack';
import { HttpListener } from './outbound/http-listener';
import { PeerServer } from './inbound/peer-server';
import { createAdminServer } from './admin/admin-server';
import { GrpcProvider } from './inbound/grpc-provider';
import { ThriftProvider } from './inbound/thrift-provider';
import type { Provider } from './inbound/provider';
import { emptyPolicies, PolicySnapshot } from '../policy/service-policy';
import type { MeshTls } from '../identity/mesh-tls';
import { AccessGate } from './inbound/access-gate';
import { inboundGuard } from './inbound/inbound-guard';
import { peerTls } from './peer-tls';

/**
 * The data plane of one host: the app-facing listener (outbound), the peer listener
 * (inbound) and the admin listener. It reads only the snapshot cells it is given.
 */
export class Sidecar {
  readonly idl = new SnapshotCell<IdlSnapshot>(emptyIdl);
  readonly endpoints = new SnapshotCell<EndpointsSnapshot>(emptyEndpoints);
  readonly policies = new SnapshotCell<PolicySnapshot>(emptyPolicies);
  readonly metrics = new Metrics();
  readonly providers: ReadonlyMap<string, Provider>;
  private readonly peers: PeerClient;
  private readonly access: AccessGate;
  private readonly http: HttpListener;
  private readonly peerServer: PeerServer;
  private readonly admin;
  private draining = false;

  constructor(
    private readonly config: SidecarConfig,
    log: Logger,
    /** The mesh certificate when the mesh has a CA: the peer hop is then mTLS both ways. */
    tls?: MeshTls,
  ) {
    this.peers = new PeerClient(tls && peerTls(tls, this.endpoints));
    this.access = new AccessGate(this.policies, log);
    this.providers = new Map(
      config.provide.map((p) => [p.service, p.protocol === 'grpc' ? new GrpcProvider(p.service, p.url) : new ThriftProvider(p.service, p.url)]),
    );
    const handler = outboundStack({ idl: this.idl, endpoints: this.endpoints, metrics: this.metrics, peers: this.peers, defaultTimeoutMs: config.defaultTimeoutMs });
    this.http = new HttpListener(handler, config.app, log);
    this.peerServer = new PeerServer(this.providers, this.metrics, config.defaultTimeoutMs, log, inboundGuard(tls, this.access));
    this.admin = createAdminServer({
      metrics: this.metrics,
      extraMetrics: () => this.access.render(),
      idl: this.idl,
      endpoints: this.endpoints,
      draining: () => this.draining,
      info: () => ({ app: config.app, mtls: !!tls, listen: formatHostPort(config.listen), inbound: formatHostPort(config.inbound), providers: config.provide }),
    });
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
  }
}
