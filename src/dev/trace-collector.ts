import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One span as the demo shows it: which app's sidecar made it, in which trace. */
export interface CollectedSpan {
  readonly serviceName: string;
  readonly traceId: string;
  readonly name: string;
}

const KEPT = 2000;

/**
 * The demo's stand-in for an OpenTelemetry collector: OTLP/HTTP JSON on /v1/traces, the last
 * spans kept (a bounded window: the demo may run for hours), so the demo can show that a call's
 * trace has spans from both sidecars. Point OTEL_EXPORTER_OTLP_ENDPOINT at a real collector
 * (Jaeger, Tempo) to see them there instead.
 */
export class TraceCollector extends EventEmitter {
  private constructor(
    private readonly server: http.Server,
    readonly endpoint: string,
    private readonly spans: readonly CollectedSpan[],
  ) {
    super();
  }

  static async start(): Promise<TraceCollector> {
    const spans: CollectedSpan[] = [];
    let collector: TraceCollector | undefined = undefined;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/v1/traces' || req.headers['content-type'] !== 'application/json') return void res.writeHead(415).end();
        try {
          collect(JSON.parse(Buffer.concat(chunks).toString('utf8')), spans);
          collector?.emit('spans');
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } catch {
          res.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // The demo's end (--once) must not wait for it.
    server.unref();
    collector = new TraceCollector(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans);
    return collector;
  }

  /** The apps whose sidecars sent spans of `traceId`. */
  appsIn(traceId: string): string[] {
    return [...new Set(this.spans.filter((s) => s.traceId === traceId).map((s) => s.serviceName))].sort();
  }

  /** Resolves with the apps of `traceId` once spans from at least `apps` of them have come. */
  waitForApps(traceId: string, apps: number, timeoutMs: number): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const seen = this.appsIn(traceId);
        if (seen.length < apps) return;
        done();
        resolve(seen);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`spans of trace ${traceId} came from ${this.appsIn(traceId).join(', ') || 'no app'} only, within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.off('spans', check);
      };
      this.on('spans', check);
      check();
    });
  }

  /** The sidecars' environment that sends their spans here, quickly (the demo waits on them). */
  env(): Record<string, string> {
    return { OTEL_EXPORTER_OTLP_ENDPOINT: this.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '200' };
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

interface OtlpJson {
  resourceSpans?: Array<{
    resource?: { attributes?: Array<{ key: string; value: { stringValue?: string } }> };
    scopeSpans?: Array<{ spans?: Array<{ traceId: string; name: string }> }>;
  }>;
}

function collect(body: OtlpJson, into: CollectedSpan[]): void {
  for (const rs of body.resourceSpans ?? []) {
    const serviceName = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
    for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) into.push({ serviceName, traceId: s.traceId, name: s.name });
  }
  if (into.length > KEPT) into.splice(0, into.length - KEPT);
}
