import type { EndpointsSnapshot } from '../snapshot/snapshots';
import { difference, emptyHistogram, addInto, HistogramSample, quantile } from '../telemetry/histogram';
import { bucketsSeconds, SeriesSample, seriesKey } from '../telemetry/metrics';
import type { ServiceListing } from '../registry/idl-store';

/** Traffic of one edge (caller app → service) or one method, over the recent window and in total. */
export interface TrafficStats {
  calls: number;
  errors: number;
  /** Calls per second over the window (about the last 10 s). */
  rps: number;
  /** Share of calls in the window that ended other than OK, 0..1 (null without calls). */
  errorRate: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
}

export interface PolicyListing {
  readonly key: string;
  readonly revision: number;
  readonly updated: string;
}

export interface Overview {
  at: string;
  windowSeconds: number;
  instancesReporting: number;
  apps: string[];
  services: string[];
  edges: Array<{ caller: string; service: string } & TrafficStats>;
  methods: Array<{ service: string; method: string } & TrafficStats>;
  providers: Array<{ service: string; app: string; instance: string; address: string; protocol: string; labels: Record<string, string>; health: string }>;
  idl: ServiceListing[];
  policies: PolicyListing[] | null;
}

interface Snap {
  at: number;
  series: Map<string, SeriesSample>;
}

/** Sums of what matches, per group: one histogram and an error count per group key. */
interface Group {
  all: HistogramSample;
  errors: number;
}

/**
 * Turns the aggregator's cumulative sums into what the dashboard shows: rates and percentiles
 * over a sliding window (cumulative counters minus those of ~10 s ago), grouped per edge and per
 * method. `sample` is called on a timer; `build` when the page asks.
 */
export class OverviewWindow {
  private readonly history: Snap[] = [];

  constructor(
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  sample(series: Map<string, SeriesSample>): void {
    const at = this.now();
    this.history.push({ at, series });
    while (this.history.length > 1 && at - this.history[1].at >= this.windowMs) this.history.shift();
  }

  traffic(current: Map<string, SeriesSample>): { windowSeconds: number; edges: Overview['edges']; methods: Overview['methods'] } {
    const base = this.history.length && this.now() - this.history[0].at > 0 ? this.history[0] : undefined;
    const seconds = base ? (this.now() - base.at) / 1000 : 0;
    const outbound = [...current.values()].filter((s) => s.direction === 'outbound');
    const edges = groupStats(outbound, (s) => `${s.caller}\u0000${s.service}`, base, seconds).map(([k, t]) => {
      const [caller, service] = k.split('\u0000');
      return { caller, service, ...t };
    });
    const methods = groupStats(outbound, (s) => `${s.service}\u0000${s.method}`, base, seconds).map(([k, t]) => {
      const [service, method] = k.split('\u0000');
      return { service, method, ...t };
    });
    return { windowSeconds: Math.round(seconds * 10) / 10, edges, methods };
  }
}

function groupStats(series: SeriesSample[], keyOf: (s: SeriesSample) => string, base: Snap | undefined, seconds: number): Array<[string, TrafficStats]> {
  const total = new Map<string, Group>();
  const recent = new Map<string, Group>();
  for (const s of series) {
    const key = keyOf(s);
    add(total, key, s, s);
    add(recent, key, difference(s, base?.series.get(seriesKey(s))), s);
  }
  return [...total.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, t]) => {
      const r = recent.get(key)!;
      const stats: TrafficStats = {
        calls: t.all.count,
        errors: t.errors,
        rps: seconds > 0 ? Math.round((r.all.count / seconds) * 100) / 100 : 0,
        errorRate: r.all.count > 0 ? r.errors / r.all.count : null,
        p50Ms: ms(quantile(r.all, bucketsSeconds, 0.5)),
        p99Ms: ms(quantile(r.all, bucketsSeconds, 0.99)),
      };
      return [key, stats];
    });
}

function add(groups: Map<string, Group>, key: string, h: HistogramSample, s: SeriesSample): void {
  let g = groups.get(key);
  if (!g) groups.set(key, (g = { all: emptyHistogram(bucketsSeconds), errors: 0 }));
  addInto(g.all, h);
  if (s.code !== 'OK') g.errors += h.count;
}

function ms(seconds: number | null): number | null {
  return seconds === null ? null : Math.round(seconds * 1e6) / 1e3;
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
