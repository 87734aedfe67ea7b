import type { FastifyInstance } from 'fastify';
import type { Logger } from '../log/logger';
import type { IdlStore } from '../registry/idl-store';
import type { EndpointRecord } from '../registry/records';
import type { EndpointsSnapshot } from '../snapshot/snapshots';
import { dashboardHtml } from './dashboard-page';
import { Overview, OverviewWindow, providersOf } from './mesh-overview';
import type { QuotaUse } from '../policy/quota-use';
import type { PolicyRow } from './policy-rows';
import type { TelemetryAggregator } from './telemetry-aggregator';

export interface DashboardSources {
  readonly telemetry: TelemetryAggregator;
  readonly endpoints: () => EndpointsSnapshot;
  /** Every live sidecar's discovery record, consumers included (which revisions each runs). */
  readonly sidecars: () => Promise<EndpointRecord[]>;
  readonly idl: IdlStore;
  readonly policies: (sidecars: readonly EndpointRecord[]) => Promise<PolicyRow[] | null>;
  readonly quotas: () => Promise<QuotaUse[]>;
}

/**
 * The dashboard's two routes on the admin listener: `/` (the page) and `/api/overview` (what it
 * polls). Rates come from windows sampled every 2 s off the aggregator's sums.
 */
export class Dashboard {
  private readonly window = new OverviewWindow();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sources: DashboardSources,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.window.sample(this.sources.telemetry.sums().series);
    this.timer = setInterval(() => this.window.sample(this.sources.telemetry.sums().series), 2000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  routes(app: FastifyInstance): void {
    app.get('/', async (_req, reply) => reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(dashboardHtml));
    app.get('/api/overview', async (_req, reply) => reply.header('cache-control', 'no-store').send(await this.overview()));
  }

  async overview(): Promise<Overview> {
    const { instances, series } = this.sources.telemetry.sums();
    const traffic = this.window.traffic(series);
    const providers = providersOf(this.sources.endpoints());
    const warned = <T>(what: string, fallback: T) => (err: unknown) => {
      this.log.warn({ err }, `dashboard: cannot read ${what}`);
      return fallback;
    };
    const [idl, sidecars, quotas] = await Promise.all([
      this.sources.idl.list().catch(warned('the IDL registry', [])),
      this.sources.sidecars().catch(warned('discovery', [] as EndpointRecord[])),
      this.sources.quotas().catch(warned('the quota counters', null)),
    ]);
    const policies = await this.sources.policies(sidecars).catch(warned('the policy store', null));
    const apps = new Set([...traffic.edges.map((e) => e.caller), ...providers.map((p) => p.app)]);
    const services = new Set([...idl.map((s) => s.name), ...traffic.edges.map((e) => e.service), ...providers.map((p) => p.service)]);
    return { at: new Date().toISOString(), instancesReporting: instances, apps: [...apps].sort(), services: [...services].sort(), ...traffic, quotas, providers, idl, policies };
  }
}
