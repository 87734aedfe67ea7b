import { Counter, Histogram } from '../src/telemetry/metric-family';
import { bucketsSeconds, Metrics } from '../src/telemetry/metrics';

/**
 * What a metric update costs on the request path, per call: the sidecar's own families
 * (src/telemetry/metric-family.ts) against prom-client, doing what a call does — one request
 * histogram observation with five labels and one counter increment with two. prom-client is no
 * dependency of the project; point PROM_CLIENT at an installed copy to compare:
 *
 *   (cd /tmp/pc && npm install prom-client@15)
 *   npx tsc -p tsconfig.json && PROM_CLIENT=/tmp/pc/node_modules/prom-client node dist/bench/metrics-cost.js
 *
 * The label values cycle through a few dozen series, as a sidecar with a few services does.
 */
const directions = ['outbound', 'inbound'];
const services = ['shop.v1.Cart', 'shop.v1.Catalog', 'pay.v1.Payments'];
const methods = ['Get', 'List', 'Put', 'Delete'];
const codes = ['OK', 'OK', 'OK', 'NOT_FOUND'];

interface Case {
  readonly name: string;
  readonly call: (i: number, seconds: number) => void;
  readonly scrape: () => string | Promise<string>;
}

function nsPerCall(c: Case, calls: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) c.call(i, (i % 97) / 10_000);
  return Number(process.hrtime.bigint() - t0) / calls;
}

function ours(): Case {
  const requests = new Histogram('transmesh_request_duration_seconds', 'Time from request to response.', ['direction', 'caller', 'service', 'method', 'code'], bucketsSeconds);
  const subset = new Counter('transmesh_subset_calls_total', 'Calls by subset.', ['service', 'subset']);
  return {
    name: 'metric-family.ts',
    call: (i, s) => {
      const service = services[i % 3];
      requests.observe(s, directions[i & 1], 'app', service, methods[i & 3], codes[(i >> 2) & 3]);
      subset.inc(service, '(all)');
    },
    scrape: () => {
      const out: string[] = [];
      requests.render(out);
      subset.render(out);
      return out.join('\n');
    },
  };
}

/** The sidecar's Metrics as the request path calls it (the histogram plus the policy counter). */
function sidecarMetrics(): Case {
  const m = new Metrics();
  return {
    name: 'Metrics.observe + policy.subset',
    call: (i, s) => {
      const service = services[i % 3];
      m.observe(directions[i & 1] as 'outbound', 'app', service, methods[i & 3], codes[(i >> 2) & 3], s);
      m.policy.subset(service, '(all)');
    },
    scrape: () => m.render(),
  };
}

interface PromClient {
  Registry: new () => { metrics(): Promise<string> };
  Histogram: new (o: object) => { observe(labels: Record<string, string>, v: number): void; labels(...v: string[]): { observe(v: number): void } };
  Counter: new (o: object) => { inc(labels: Record<string, string>): void; labels(...v: string[]): { inc(): void } };
}

function promClient(p: PromClient, positional: boolean): Case {
  const registry = new p.Registry();
  const requests = new p.Histogram({ name: 'transmesh_request_duration_seconds', help: 'Time from request to response.', labelNames: ['direction', 'caller', 'service', 'method', 'code'], buckets: bucketsSeconds, registers: [registry] });
  const subset = new p.Counter({ name: 'transmesh_subset_calls_total', help: 'Calls by subset.', labelNames: ['service', 'subset'], registers: [registry] });
  return {
    name: positional ? 'prom-client .labels(...)' : 'prom-client (label objects)',
    call: positional
      ? (i, s) => {
          const service = services[i % 3];
          requests.labels(directions[i & 1], 'app', service, methods[i & 3], codes[(i >> 2) & 3]).observe(s);
          subset.labels(service, '(all)').inc();
        }
      : (i, s) => {
          const service = services[i % 3];
          requests.observe({ direction: directions[i & 1], caller: 'app', service, method: methods[i & 3], code: codes[(i >> 2) & 3] }, s);
          subset.inc({ service, subset: '(all)' });
        },
    scrape: () => registry.metrics(),
  };
}

async function main(): Promise<void> {
  const calls = Number(process.env.CALLS ?? 100_000);
  const rounds = Number(process.env.ROUNDS ?? 40);
  const cases = [ours(), sidecarMetrics()];
  if (process.env.PROM_CLIENT) {
    const p = (await import(process.env.PROM_CLIENT)) as PromClient;
    cases.push(promClient(p, false), promClient(p, true));
  }
  for (const c of cases) nsPerCall(c, calls); // warm-up
  // Short runs, the cases taking turns, the best of each kept: the machine is shared, and noise
  // only ever adds time.
  const best = cases.map(() => Infinity);
  for (let round = 0; round < rounds; round++) cases.forEach((c, i) => (best[i] = Math.min(best[i], nsPerCall(c, calls))));
  for (const [i, c] of cases.entries()) {
    const t0 = process.hrtime.bigint();
    const text = await c.scrape();
    const scrapeUs = Number(process.hrtime.bigint() - t0) / 1000;
    process.stdout.write(`${c.name.padEnd(34)} ${best[i].toFixed(0).padStart(5)} ns/call   scrape ${scrapeUs.toFixed(0)} µs (${text.length} chars)\n`);
  }
}

void main();
