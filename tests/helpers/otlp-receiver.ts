import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One span as an OTLP/HTTP JSON export carries it, with its resource's service.name. */
export interface ReceivedSpan {
  serviceName: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

/**
 * A minimal OTLP collector: a plain node:http server taking OTLP/HTTP JSON on /v1/traces, so
 * the test sees exactly what a sidecar exports (no collector binary, no mock of the exporter).
 */
export async function startOtlpReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; events: EventEmitter; waitFor: (pred: (s: ReceivedSpan) => boolean, what: string) => Promise<ReceivedSpan>; stop: () => Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const events = new EventEmitter();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces' || !String(req.headers['content-type']).includes('json')) {
        res.writeHead(415).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      for (const rs of body.resourceSpans ?? []) {
        const serviceName = rs.resource?.attributes?.find((a: any) => a.key === 'service.name')?.value?.stringValue;
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            const attributes: Record<string, unknown> = {};
            for (const a of s.attributes ?? []) attributes[a.key] = a.value.stringValue ?? (a.value.intValue !== undefined ? Number(a.value.intValue) : a.value.boolValue);
            const span = { serviceName, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '', name: s.name, kind: s.kind, attributes };
            spans.push(span);
            events.emit('span', span);
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const waitFor = (pred: (s: ReceivedSpan) => boolean, what: string) =>
    new Promise<ReceivedSpan>((resolve, reject) => {
      const seen = spans.find(pred);
      if (seen) return resolve(seen);
      const timer = setTimeout(() => reject(new Error(`no span ${what}; received: ${JSON.stringify(spans.slice(-6))}`)), 20000);
      const on = (s: ReceivedSpan) => {
        if (!pred(s)) return;
        clearTimeout(timer);
        events.off('span', on);
        resolve(s);
      };
      events.on('span', on);
    });
  return { url, spans, events, waitFor, stop: () => new Promise((r) => server.close(() => r())) };
}
