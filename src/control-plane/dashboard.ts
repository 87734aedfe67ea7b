import type { FastifyInstance } from 'fastify';
import type { Logger } from '../log/logger';
import type { IdlStore } from '../registry/idl-store';
import type { EndpointsSnapshot } from '../snapshot/snapshots';
import { dashboardHtml } from './dashboard-page';
import { Overview, OverviewWindow, providersOf } from './mesh-overview';
import type { PolicyPeek } from './policy-peek';
import type { TelemetryAggregator } from './telemetry-aggregator';

export interface DashboardSources {
  readonly telemetry: TelemetryAggregator;
  readonly endpoints: () => EndpointsSnapshot;
  readonly idl: IdlStore;
  readonly policies: PolicyPeek;
}

/**
 * The dashboard's two routes on the admin listener: `/` (the page) and `/api/overview` (what it
 * polls). Rates come from a sliding window sampled every 2 s off the aggregator's sums.
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
    const [idl, policies] = await Promise.all([
      this.sources.idl.list().catch((err: unknown) => {
        this.log.warn({ err }, 'dashboard: cannot list the IDL registry');
        return [];
      }),
      this.sources.policies.list(),
    ]);
    const apps = new Set([...traffic.edges.map((e) => e.caller), ...providers.map((p) => p.app)]);
    const services = new Set([...idl.map((s) => s.name), ...traffic.edges.map((e) => e.service), ...providers.map((p) => p.service)]);
    return { at: new Date().toISOString(), windowSeconds: traffic.windowSeconds, instancesReporting: instances, apps: [...apps].sort(), services: [...services].sort(), edges: traffic.edges, methods: traffic.methods, providers, idl, policies };
  }
}
