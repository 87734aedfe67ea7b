import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { otelConfigSchema } from '../../src/config/otel-config';
import { createOtlpTracer } from '../../src/sidecar/tracing/otlp-tracer';
import { startOtlpReceiver } from '../helpers/otlp-receiver';

const appTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
const appSpan = '00f067aa0ba902b7';

/** A tracer as the sidecar builds it from the environment, exporting to `url`. */
function tracerFor(url: string, env: Record<string, string> = {}, warn: (m: string) => void = () => undefined) {
  const otel = otelConfigSchema.parse({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url, OTEL_BSP_SCHEDULE_DELAY: '60000', ...env });
  return createOtlpTracer({ ...otel, url, serviceName: 'php-frontend', warn });
}

/** An OTLP endpoint that answers every export with `status` and keeps the requests' headers. */
async function endpoint(status: number) {
  const requests: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.headers);
    req.resume();
    req.on('end', () => res.writeHead(status).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  return { url, requests, stop: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('OTLP tracer', () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(() => receiver.stop());

  test.each(['http/protobuf', 'http/json'])('spans of both directions reach a collector over %s', async (protocol) => {
    const tracer = tracerFor(`${receiver.url}/v1/traces`, { OTEL_EXPORTER_OTLP_PROTOCOL: protocol });
    const client = tracer.start('outbound', 'php-app', 'mesh.test.v1.Echo', 'Echo', `00-${appTrace}-${appSpan}-01`);
    expect(client.traceId).toBe(appTrace);
    expect(client.traceparent).toMatch(new RegExp(`^00-${appTrace}-[0-9a-f]{16}-01$`));
    const server = tracer.start('inbound', 'php-app', 'mesh.test.v1.Echo', 'Echo', client.traceparent);
    server.end('NOT_FOUND', 'apache_thrift', null);
    client.end('NOT_FOUND', 'grpc', '10.0.0.1:15006');
    client.end('OK', 'grpc', 'twice'); // a second end is ignored
    await tracer.shutdown(); // drains: the schedule delay is a minute
    const mine = receiver.spans.filter((s) => s.traceId === appTrace && s.encoding === (protocol === 'http/json' ? 'application/json' : 'application/x-protobuf'));
    expect(mine).toHaveLength(2);
    const [srv, cli] = mine;
    expect(cli).toMatchObject({ serviceName: 'php-frontend', name: 'mesh.test.v1.Echo/Echo', kind: 3, parentSpanId: appSpan, spanId: client.traceparent.split('-')[2] });
    expect(cli.attributes).toEqual({ 'rpc.system': 'grpc', 'rpc.service': 'mesh.test.v1.Echo', 'rpc.method': 'Echo', 'rpc.grpc.status_code': 5, caller: 'php-app', peer: '10.0.0.1:15006' });
    expect(srv).toMatchObject({ kind: 2, parentSpanId: cli.spanId });
    expect(srv.attributes).toEqual({ 'rpc.system': 'apache_thrift', 'rpc.service': 'mesh.test.v1.Echo', 'rpc.method': 'Echo', 'rpc.grpc.status_code': 5, caller: 'php-app' });
    expect(tracer.render()).toContain('transmesh_trace_spans_exported_total 2');
  });

  test('without a usable traceparent a span starts a trace of its own', async () => {
    const tracer = tracerFor(`${receiver.url}/v1/traces`);
    const span = tracer.start('outbound', 'a', 's', 'm', '00-00000000000000000000000000000000-00f067aa0ba902b7-01');
    expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span.traceId).not.toBe('0'.repeat(32));
    span.end('OK', undefined, null);
    await tracer.shutdown();
    const got = await receiver.waitFor((s) => s.traceId === span.traceId, 'the root span');
    expect(got.parentSpanId).toBe('');
    expect(got.attributes['rpc.system']).toBe('grpc');
  });

  test('an unsampled span passes on a traceparent with flags 00 and exports nothing', async () => {
    const sink = await endpoint(200);
    const tracer = tracerFor(sink.url); // parentbased_always_on: the app's "not sampled" decides
    const span = tracer.start('outbound', 'a', 's', 'm', `00-${appTrace}-${appSpan}-00`);
    expect(span.traceparent).toMatch(new RegExp(`^00-${appTrace}-[0-9a-f]{16}-00$`));
    expect(span.traceparent).not.toContain(appSpan);
    span.end('OK', 'grpc', null);
    const off = tracerFor(sink.url, { OTEL_TRACES_SAMPLER: 'always_off' });
    off.start('inbound', 'a', 's', 'm', undefined).end('OK', 'grpc', null);
    await Promise.all([tracer.shutdown(), off.shutdown()]);
    expect(sink.requests).toHaveLength(0);
    await sink.stop();
  });

  test('headers from the environment go with every export', async () => {
    const sink = await endpoint(200);
    const tracer = tracerFor(sink.url, { OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20t0k,x-scope=a' });
    tracer.start('outbound', 'a', 's', 'm', undefined).end('OK', 'grpc', null);
    await tracer.shutdown();
    expect(sink.requests[0]).toMatchObject({ authorization: 'Bearer t0k', 'x-scope': 'a', 'content-type': 'application/x-protobuf' });
    await sink.stop();
  });

  test('a collector that refuses: batches dropped and counted, one warning, no throw', async () => {
    const sink = await endpoint(503);
    const warnings: string[] = [];
    const tracer = tracerFor(sink.url, { OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2' }, (m) => warnings.push(m));
    try {
      for (let batch = 0; batch < 3; batch++) {
        for (let i = 0; i < 2; i++) tracer.start('outbound', 'a', 's', 'm', undefined).end('UNAVAILABLE', 'grpc', null);
        await tracer.flush();
      }
      await tracer.shutdown();
      expect(sink.requests).toHaveLength(3);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('HTTP 503');
      expect(tracer.render()).toContain('transmesh_trace_spans_dropped_total{reason="export_failed"} 6');
    } finally {
      await sink.stop();
    }
  });

  test('a collector that is not there: the same, counted', async () => {
    const sink = await endpoint(200);
    await sink.stop(); // the port is closed now
    const tracer = tracerFor(sink.url);
    tracer.start('inbound', 'a', 's', 'm', undefined).end('OK', 'grpc', null);
    await tracer.shutdown();
    expect(tracer.render()).toContain('transmesh_trace_spans_dropped_total{reason="export_failed"} 1');
  });
});
