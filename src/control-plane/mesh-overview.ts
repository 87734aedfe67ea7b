import type { EndpointsSnapshot } from '../snapshot/snapshots';
import type { SeriesSample } from '../telemetry/metrics';
import type { ServiceListing } from '../registry/idl-store';
import { denials, groupKeys, groupSince, Snap, spanStats, SpanStats } from './traffic-stats';
import type { PolicyRow } from './policy-rows';
import type { QuotaUse } from '../policy/quota-use';

/** One chart point: what a group did in one step (10 s). */
export interface ChartPoint {
  /** The step's end, ms since the epoch. */
  t: number;
  rps: number;
  failureRate: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
}

/**
 * Traffic of one group: `calls` since the control plane started, the rest over the recent window
 * (about 10 s), and `span` over the charts' whole span (15 minutes), so a table still says what
 * happened after traffic stops.
 */
export type TrafficStats = SpanStats & { total: number; span: SpanStats; lastCallAt: string | null };

export interface Overview {
  at: string;
  windowSeconds: number;
  /** The span of the charts and of every `span` figure, and the length of one chart step. */
  spanSeconds: number;
  stepSeconds: number;
  instancesReporting: number;
  apps: string[];
  services: string[];
  edges: Array<{ caller: string; service: string } & TrafficStats>;
  methods: Array<{ service: string; method: string } & TrafficStats>;
  serviceTraffic: Array<{ service: string } & TrafficStats>;
  /** Per service and per edge (`caller→service`), one point per step, oldest first. */
  charts: { services: Record<string, ChartPoint[]>; edges: Record<string, ChartPoint[]> };
  /** Calls refused by access, per caller → service: since start and over the span. */
  denials: Array<{ caller: string; service: string; total: number; span: number }>;
  /** Quota use per caller in the current windows; null when the quota counters cannot be read. */
  quotas: QuotaUse[] | null;
  providers: Array<{ service: string; app: string; instance: string; address: string; protocol: string; labels: Record<string, string>; health: string }>;
  idl: ServiceListing[];
  policies: PolicyRow[] | null;
}

type Kind = 'edge' | 'service';

/**
 * Turns the aggregator's cumulative sums into what the dashboard shows: rates and percentiles
 * over a sliding window (cumulative counters minus those of ~10 s ago), the same over the last
 * 15 minutes, and chart points, one per 10 s step. `sample` is called on a timer; `traffic` when
 * the page asks. Chart points are computed once, as each step ends.
 */
export class OverviewWindow {
  private readonly recent: Snap[] = [];
  private readonly steps: Snap[] = [];
  private readonly points: Record<Kind, Map<string, ChartPoint[]>> = { edge: new Map(), service: new Map() };
  /** series key → when its count was last seen to grow (a sample's time). */
  private readonly grewAt = new Map<string, number>();

  constructor(
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
    private readonly stepMs = 10_000,
    private readonly spanMs = 15 * 60_000,
  ) {}

  sample(series: Map<string, SeriesSample>): void {
    const at = this.now();
    const snap = { at, series };
    const prev = this.recent[this.recent.length - 1];
    // Not on the first sample: counts from before this control plane started say nothing of when.
    if (prev) for (const [key, s] of series) if (s.count > (prev.series.get(key)?.count ?? 0)) this.grewAt.set(key, at);
    this.recent.push(snap);
    while (this.recent.length > 1 && at - this.recent[1].at >= this.windowMs) this.recent.shift();
    const last = this.steps[this.steps.length - 1];
    if (last && at - last.at < this.stepMs) return;
    if (last) this.addPoints(last, snap);
    this.steps.push(snap);
    while (this.steps.length > 1 && at - this.steps[1].at >= this.spanMs) this.steps.shift();
  }

  traffic(current: Map<string, SeriesSample>): Pick<Overview, 'windowSeconds' | 'spanSeconds' | 'stepSeconds' | 'edges' | 'methods' | 'serviceTraffic' | 'charts' | 'denials'> {
    const now = this.now();
    const base = this.recent.length && now - this.recent[0].at > 0 ? this.recent[0] : undefined;
    const spanBase = this.steps.length && now - this.steps[0].at > 0 ? this.steps[0] : undefined;
    const seconds = base ? (now - base.at) / 1000 : 0;
    const spanSeconds = spanBase ? (now - spanBase.at) / 1000 : 0;
    const stats = (keyOf: (s: SeriesSample) => string | undefined) => {
      const total = groupSince(current.values(), undefined, keyOf);
      const recent = groupSince(current.values(), base, keyOf);
      const span = groupSince(current.values(), spanBase, keyOf);
      const last = new Map<string, number>();
      for (const [k, s] of current) {
        const key = keyOf(s);
        const at = this.grewAt.get(k);
        if (key !== undefined && at !== undefined && at > (last.get(key) ?? 0)) last.set(key, at);
      }
      return [...total.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, t]): [string, TrafficStats] => {
          const at = last.get(key);
          return [key, { total: t.all.count, ...spanStats(recent.get(key), seconds), span: spanStats(span.get(key), spanSeconds), lastCallAt: at === undefined ? null : new Date(at).toISOString() }];
        });
    };
    const split = (key: string) => key.split('\u0000');
    const denialTotal = groupSince(current.values(), undefined, groupKeys.denial);
    const denialSpan = groupSince(current.values(), spanBase, groupKeys.denial);
    return {
      windowSeconds: Math.round(seconds * 10) / 10,
      spanSeconds: Math.round(spanSeconds),
      stepSeconds: this.stepMs / 1000,
      edges: stats(groupKeys.edge).map(([k, t]) => ({ caller: split(k)[0], service: split(k)[1], ...t })),
      methods: stats(groupKeys.method).map(([k, t]) => ({ service: split(k)[0], method: split(k)[1], ...t })),
      serviceTraffic: stats(groupKeys.service).map(([service, t]) => ({ service, ...t })),
      charts: {
        services: Object.fromEntries(this.points.service),
        edges: Object.fromEntries([...this.points.edge].map(([k, p]) => [split(k).join('→'), p])),
      },
      denials: [...denialTotal].sort(([a], [b]) => a.localeCompare(b)).map(([k, g]) => ({ caller: split(k)[0], service: split(k)[1], total: denials(g), span: denials(denialSpan.get(k)) })),
    };
  }

  /** The end of a step: one point per group seen in the span, zero for one that was quiet. */
  private addPoints(from: Snap, to: Snap): void {
    const seconds = (to.at - from.at) / 1000;
    for (const kind of ['edge', 'service'] as const) {
      const groups = groupSince(to.series.values(), from, groupKeys[kind]);
      const points = this.points[kind];
      for (const key of groups.keys()) if (!points.has(key)) points.set(key, []);
      for (const [key, list] of points) {
        const s = spanStats(groups.get(key), seconds);
        list.push({ t: to.at, rps: s.rps, failureRate: s.failureRate, p50Ms: s.p50Ms, p99Ms: s.p99Ms });
        while (list.length && to.at - list[0].t >= this.spanMs) list.shift();
        if (!list.some((p) => p.rps > 0)) points.delete(key);
      }
    }
  }
}

/** Providers as discovery sees them now: a record present in the snapshot is alive (its heartbeat is within the TTL). */
export function providersOf(snap: EndpointsSnapshot): Overview['providers'] {
  const out: Overview['providers'] = [];
  for (const [service, list] of snap.byService) {
    for (const e of list) {
      out.push({ service, app: e.app, instance: e.instance, address: e.address, protocol: e.encoding ? `${e.protocol} (${e.encoding})` : e.protocol, labels: { ...e.labels }, health: 'up' });
    }
  }
  return out.sort((a, b) => a.service.localeCompare(b.service) || a.instance.localeCompare(b.instance));
}
