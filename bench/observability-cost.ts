import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AccessLog } from '../src/telemetry/access-log';
import { Metrics } from '../src/telemetry/metrics';
import { compose, OutboundCall, OutboundReply } from '../src/sidecar/outbound/call';
import { telemetryLayer } from '../src/sidecar/outbound/telemetry-layer';
import { traceLayer } from '../src/sidecar/outbound/trace-layer';
import { CancelToken } from '../src/timing/cancel-token';
import { otelConfigSchema } from '../src/config/otel-config';
import { createOtlpTracer } from '../src/sidecar/tracing/otlp-tracer';

/**
 * What observability adds per call, in process: the outbound telemetry layer with the access log
 * on and sampled away, and the trace layer with our OTLP tracer exporting (protobuf and JSON) to
 * a local OTLP endpoint that discards, and with a sampler that keeps nothing. The time includes
 * draining and serializing the access-log batch and the span exports (they run on this thread
 * between chunks). The OpenTelemetry SDK tracer this replaced measured 8-10 µs per call here
 * (docs/observability.md, "What it costs").
 *
 *   npx tsc -p tsconfig.json && node dist/bench/observability-cost.js
 *
 * Compare the µs per call with the sidecar's CPU per call in docs/performance.md (~500 µs at
 * 1000 calls/s, ~200 µs at saturation): 5% of that is 10-25 µs.
 */
const reply: OutboundReply = { json: '{}', metadata: {} };
const last = async (): Promise<OutboundReply> => reply;

function newCall(): OutboundCall {
  return {
    service: 'bench.v1.Bench',
    method: 'Echo',
    body: '{}',
    requestId: 'c0ffee00-0000-4000-8000-000000000000',
    caller: 'bench',
    int64AsNumber: false,
    timeoutHeader: undefined,
    metadata: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
    headers: {},
    cancel: new CancelToken(),
    startedAt: performance.now(),
    deadline: 0,
    route: { entry: { model: { protocol: 'grpc' } } as never, method: {} as never },
    policy: undefined,
    provider: '10.0.0.1:15006',
    convertMs: 0.03,
  };
}

/** One measured setup: its handler, what runs between chunks, and what is awaited at the end (inside the time). */
interface Case {
  readonly name: string;
  readonly handler: (c: OutboundCall) => Promise<OutboundReply>;
  readonly between?: () => void;
  readonly settle?: () => Promise<void>;
  readonly tracer?: ReturnType<typeof createOtlpTracer>;
}

async function perCallUs(c: Case, calls: number): Promise<number> {
  const chunk = 500;
  const t0 = process.hrtime.bigint();
  for (let done = 0; done < calls; done += chunk) {
    for (let i = 0; i < chunk; i++) await c.handler(newCall());
    c.between?.();
    await new Promise((r) => setImmediate(r));
  }
  await c.settle?.();
  return Number(process.hrtime.bigint() - t0) / 1000 / calls;
}

async function main(): Promise<void> {
  const calls = Number(process.env.CALLS ?? 50_000);
  let exports = 0;
  let bytes = 0;
  const sink = http.createServer((req, res) => {
    exports++;
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => res.writeHead(200, { 'content-type': String(req.headers['content-type']) }).end());
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/v1/traces`;
  // Built as a sidecar builds it from the environment, with a queue that never fills: every span
  // pays its encoding and export (at this rate the default 2048 would drop most of them), and
  // each run ends with the queue exported, inside the timed window.
  const tracer = (env: Record<string, string>) =>
    createOtlpTracer({ ...otelConfigSchema.parse({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url, OTEL_BSP_MAX_QUEUE_SIZE: '10000000', ...env }), url, serviceName: 'bench', warn: (m) => process.stderr.write(`${m}\n`) });
  const traced = (name: string, t: ReturnType<typeof createOtlpTracer>): Case => ({ name, handler: compose([traceLayer(t)], last), settle: () => t.flush(), tracer: t });

  const logged = new AccessLog({ sample: 1, slowMs: 1000, capacity: 10_000 });
  const bare: Case = { name: 'no layers (baseline)', handler: compose([], last) };
  const cases: Case[] = [
    bare,
    // What the publisher does with the drained records, on the same thread.
    { name: 'telemetry + access log (sample 1)', handler: compose([telemetryLayer(new Metrics(), logged)], last), between: () => void JSON.stringify({ instance: 'i', app: 'a', dropped: 0, records: logged.drain() }) },
    { name: 'telemetry + access log (sample 0)', handler: compose([telemetryLayer(new Metrics(), new AccessLog({ sample: 0, slowMs: 1000, capacity: 10_000 }))], last) },
    traced('trace layer, OTLP http/protobuf', tracer({})),
    traced('trace layer, OTLP http/json', tracer({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })),
    // A ratio sampler that keeps nothing: what an unsampled call costs (ids and a traceparent only).
    traced('trace layer, sampled out (ratio 0)', tracer({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' })),
  ];
  for (const c of cases) await perCallUs(c, 5_000); // warm-up
  // The best of three runs each: the machine is shared, and noise only ever adds time.
  const best = async (c: Case) => Math.min(await perCallUs(c, calls), await perCallUs(c, calls), await perCallUs(c, calls));
  const base = await best(bare);
  for (const c of cases) {
    const before = { exports, bytes };
    const us = await best(c);
    const sent = exports > before.exports ? `, ${exports - before.exports} exports, ${Math.round((bytes - before.bytes) / 1024)} KiB` : '';
    // Spans dropped (queue full or failed export), from the counters the sidecar serves on /metrics.
    const dropped = [...(c.tracer?.render().matchAll(/dropped_total\{[^}]*\} (\d+)/g) ?? [])].reduce((n, m) => n + Number(m[1]), 0);
    process.stdout.write(`${c.name.padEnd(36)} ${us.toFixed(2).padStart(7)} µs/call   (+${(us - base).toFixed(2)} over baseline${sent}${dropped ? `, ${dropped} spans dropped` : ''})\n`);
  }
  await Promise.all(cases.map((c) => c.tracer?.shutdown()));
  sink.close();
}

void main();
