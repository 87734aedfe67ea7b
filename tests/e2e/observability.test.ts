import { idlPushArgs } from '../helpers/idl-files';
import { Proc, runCli, spawnCli, startNats } from '../helpers/processes';
import { call, startSidecar, SidecarProc } from '../helpers/mesh';
import { echoFiles, startEchoServer } from '../helpers/grpc-echo-server';
import { startOtlpReceiver } from '../helpers/otlp-receiver';
import { missingProcessMetrics } from '../helpers/process-metric-names';
import { dumpDom, screenshot } from '../helpers/chromium';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

jest.setTimeout(90000);

const svc = 'mesh.test.v1.Echo';
const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const appSpanId = '00f067aa0ba902b7';
const traceparent = `00-${traceId}-${appSpanId}-01`;

/**
 * Logs and traces (docs/observability.md) with real processes: two control-plane replicas writing access
 * logs, `transmesh logs` followers, two sidecars exporting spans over OTLP/HTTP JSON to a
 * receiver in the test, and a real grpc-js provider.
 */
describe('logs and traces', () => {
  let nats: Awaited<ReturnType<typeof startNats>>;
  let otlp: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let cps: Array<Proc & { admin?: string }> = [];
  let echo: Awaited<ReturnType<typeof startEchoServer>>;
  let provider: SidecarProc;
  let consumer: SidecarProc;
  const followers: Record<string, Proc> = {};

  const startCp = async (name: string) => {
    const p: Proc & { admin?: string } = spawnCli(name, ['control-plane', '--nats', nats.url, '--admin', '127.0.0.1:0', '--access-log', '-']);
    p.admin = (await p.waitForMsg('control plane ready')).admin;
    return p;
  };
  const follow = async (name: string, args: string[]) => {
    const p = spawnCli(name, ['logs', '--nats', nats.url, ...args]);
    await p.waitFor((l) => l.raw && /following access-log records/.test(l.msg), 'logs to follow');
    followers[name] = p;
    return p;
  };
  /** Access-log records written by either control-plane replica. */
  const written = () => cps.flatMap((p) => p.lines.filter((l) => l.stream === 'stdout' && !l.raw && l.direction));
  /** A request id of this attempt only: records of a failed attempt (CI retries a test once) are not counted or matched again. */
  const requestId = (name: string) => `${name}-${randomBytes(4).toString('hex')}`;
  const writtenRecord = (pred: (r: Record<string, any>) => boolean, what: string) => Promise.any(cps.map((p) => p.waitFor((l) => l.stream === 'stdout' && !!l.direction && pred(l), what)));

  beforeAll(async () => {
    nats = await startNats();
    otlp = await startOtlpReceiver();
    cps = [await startCp('control-plane A'), await startCp('control-plane B')];
    const pushed = await runCli(['idl', 'push', ...idlPushArgs(echoFiles(), 'echo.proto'), '--nats', nats.url]);
    expect(pushed.code).toBe(0);
    echo = await startEchoServer('A');
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_BSP_SCHEDULE_DELAY: '100' };
    // The provider sidecar exports with the default protocol (http/protobuf), the consumer with http/json.
    provider = await startSidecar(nats.url, 'echo-a', [`${svc}=grpc://127.0.0.1:${echo.port}`], otel);
    consumer = await startSidecar(nats.url, 'php-app', [], { ...otel, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'php-frontend' });
    await consumer.proc.waitFor((l) => l.msg === 'endpoints snapshot' && l.endpoints.length === 1, 'the provider in discovery');
    await Promise.all([follow('logs --json', ['--json']), follow('logs --errors', ['--errors', '--json']), follow('logs readable', ['--service', svc, '--caller', 'php-app']), follow('logs other caller', ['--caller', 'someone-else', '--json'])]);
  });

  afterAll(async () => {
    await Promise.all(Object.values(followers).map((p) => p.stop()));
    await Promise.all([consumer?.proc.stop(), provider?.proc.stop()]);
    await Promise.all(cps.map((p) => p.stop()));
    await echo?.stop();
    await otlp?.stop();
    await nats?.stop();
  });

  test('a successful call is one access-log record per direction, with the request and trace ids, written once', async () => {
    const ok = requestId('req-ok');
    const res = await call(consumer.url, `/${svc}/Echo`, { text: 'hi' }, { 'x-request-id': ok, traceparent });
    expect(res.status).toBe(200);
    const out = await writtenRecord((r) => r.requestId === ok && r.direction === 'outbound', 'the outbound record');
    const inb = await writtenRecord((r) => r.requestId === ok && r.direction === 'inbound', 'the inbound record');
    expect(out).toMatchObject({ direction: 'outbound', traceId, caller: 'php-app', service: svc, method: 'Echo', code: 'OK', attempts: 1, subset: null, provider: `127.0.0.1:${provider.inboundPort}` });
    expect(inb).toMatchObject({ direction: 'inbound', traceId, caller: 'php-app', service: svc, method: 'Echo', code: 'OK', provider: `grpc://127.0.0.1:${echo.port}` });
    const keys = ['time', 'direction', 'requestId', 'traceId', 'caller', 'service', 'method', 'code', 'durationMs', 'attempts', 'subset', 'provider', 'convertMs'];
    for (const r of [out, inb]) {
      const { stream: _s, ...record } = r;
      expect(Object.keys(record)).toEqual(keys);
      expect(new Date(record.time).toISOString()).toBe(record.time);
      expect(record.durationMs).toBeGreaterThan(0);
    }
    expect(out.convertMs).toBeGreaterThan(0);
    // Two replicas share a queue group: each record is written by exactly one of them.
    expect(written().filter((r) => r.requestId === ok)).toHaveLength(2);
  });

  test('errors are logged with their code; transmesh logs filters by service, caller and errors', async () => {
    const [ok2, errId, unrouted] = [requestId('req-ok-2'), requestId('req-err'), requestId('req-unrouted')];
    const ok = await call(consumer.url, `/${svc}/Echo`, { text: 'x' }, { 'x-request-id': ok2 });
    expect(ok.status).toBe(200);
    await followers['logs --json'].waitFor((l) => l.requestId === ok2 && l.direction === 'inbound', 'req-ok-2 in logs --json');
    const res = await call(consumer.url, `/${svc}/Fail`, { code: 5, message: 'nope' }, { 'x-request-id': errId, traceparent });
    expect(res.status).toBe(404);
    const unknown = await call(consumer.url, '/no.such.Service/Get', {}, { 'x-request-id': unrouted });
    expect(unknown.status).toBe(404);
    const err = await writtenRecord((r) => r.requestId === errId && r.direction === 'outbound', 'the error record');
    expect(err).toMatchObject({ code: 'NOT_FOUND', traceId, service: svc, method: 'Fail' });
    await writtenRecord((r) => r.requestId === unrouted, 'the unrouted record');

    const errors = followers['logs --errors'];
    await errors.waitFor((l) => l.requestId === unrouted, 'req-unrouted in logs --errors');
    const errorRecords = errors.lines.filter((l) => l.stream === 'stdout');
    expect(errorRecords.map((l) => l.requestId)).toEqual(expect.arrayContaining([errId, unrouted]));
    expect(errorRecords.every((l) => l.code !== 'OK')).toBe(true);

    const all = followers['logs --json'];
    await all.waitFor((l) => l.requestId === unrouted, 'req-unrouted in logs --json');
    expect(all.lines.filter((l) => l.requestId === ok2).map((l) => l.direction).sort()).toEqual(['inbound', 'outbound']);

    const readable = followers['logs readable'];
    const line = await readable.waitFor((l) => l.stream === 'stdout' && l.msg.includes(errId) && /outbound/.test(l.msg), 'the readable error line');
    expect(line.msg).toContain(`php-app → ${svc}/Fail NOT_FOUND`);
    expect(line.msg).toContain(`trace=${traceId}`);
    // The service filter keeps the unrouted call out.
    expect(readable.lines.some((l) => /req-unrouted/.test(l.msg))).toBe(false);
    expect(followers['logs other caller'].lines.filter((l) => l.stream === 'stdout')).toEqual([]);
  });

  test('both sidecars export a span per call over OTLP, children of the app trace', async () => {
    // A trace of its own (and of this attempt), so spans of the other tests' calls cannot match.
    const traceId = randomBytes(16).toString('hex');
    const traceparent = `00-${traceId}-${appSpanId}-01`;
    const res = await call(consumer.url, `/${svc}/Echo`, { text: 'traced' }, { 'x-request-id': 'req-trace', traceparent });
    expect(res.status).toBe(200);
    const client = await otlp.waitFor((s) => s.serviceName === 'php-frontend' && s.traceId === traceId && s.name === `${svc}/Echo`, 'from the consumer sidecar');
    expect(client.parentSpanId).toBe(appSpanId);
    expect(client.attributes).toMatchObject({ 'rpc.system': 'grpc', 'rpc.service': svc, 'rpc.method': 'Echo', 'rpc.grpc.status_code': 0, caller: 'php-app', peer: `127.0.0.1:${provider.inboundPort}` });
    const server = await otlp.waitFor((s) => s.serviceName === 'echo-a' && s.traceId === traceId && s.parentSpanId === client.spanId, 'from the provider sidecar, child of the consumer span');
    expect(server.attributes).toMatchObject({ 'rpc.system': 'grpc', 'rpc.service': svc, 'rpc.method': 'Echo', 'rpc.grpc.status_code': 0, caller: 'php-app', peer: `grpc://127.0.0.1:${echo.port}` });
    expect([client.encoding, server.encoding]).toEqual(['application/json', 'application/x-protobuf']);
    expect([client.kind, server.kind]).toEqual([3, 2]); // SPAN_KIND_CLIENT, SPAN_KIND_SERVER
    // The provider sees the provider sidecar's span as its parent, in the app's trace.
    expect(res.body.metadata.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(res.body.metadata.traceparent.split('-')[2]).toBe(server.spanId);

    const failed = await call(consumer.url, `/${svc}/Fail`, { code: 14, message: 'down' }, { 'x-request-id': 'req-trace-err', traceparent });
    expect(failed.status).toBe(503);
    const errSpan = await otlp.waitFor((s) => s.serviceName === 'php-frontend' && s.traceId === traceId && s.name === `${svc}/Fail` && s.attributes['rpc.grpc.status_code'] === 14, 'the failed call');
    expect(errSpan.traceId).toBe(traceId);

    // Without a traceparent the consumer sidecar starts a trace, and the access log carries its id.
    const root = requestId('req-root');
    await call(consumer.url, `/${svc}/Echo`, { text: 'root' }, { 'x-request-id': root });
    const rootRecord = await writtenRecord((r) => r.requestId === root && r.direction === 'outbound', 'the root call record');
    expect(rootRecord.traceId).toMatch(/^[0-9a-f]{32}$/);
    const rootSpan = await otlp.waitFor((s) => s.traceId === rootRecord.traceId && s.serviceName === 'php-frontend', 'the root span');
    expect(rootSpan.parentSpanId).toBe('');

    // The sidecar counts what it exported (and what it dropped) on its own /metrics.
    const metrics = await (await fetch(`${consumer.admin}/metrics`)).text();
    expect(Number(/^transmesh_trace_spans_exported_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(metrics).toContain('transmesh_trace_spans_dropped_total{reason="queue_full"} 0');
    expect(metrics).toContain('transmesh_trace_spans_dropped_total{reason="export_failed"} 0');
  });

  test("a sidecar's and a control plane's /metrics carry the process metrics", async () => {
    for (const admin of [provider.admin, cps[1].admin!]) {
      const text = await (await fetch(`${admin}/metrics`)).text();
      expect([admin, missingProcessMetrics(text)]).toEqual([admin, []]);
      expect(Number(/^process_resident_memory_bytes (\d+)$/m.exec(text)?.[1])).toBeGreaterThan(1e6);
    }
  });

  test('the dashboard renders the running mesh in headless Chromium, and its numbers move as calls flow', async () => {
    const admin = cps[0].admin!;
    const edge = `php-app→${svc}`;
    const callsOf = (html: string) => {
      const row = new RegExp(`<tr data-edge="${edge}">(.*?)</tr>`).exec(html)?.[1];
      const calls = row && /<td class="num calls">([\d,]+)<\/td>/.exec(row);
      const rps = row && /<td class="num rps">([^<]+)<\/td>/.exec(row);
      return calls && rps ? { calls: Number(calls[1].replace(/,/g, '')), rps: rps[1] } : undefined;
    };
    const overviewCalls = async () => ((await (await fetch(`${admin}/api/overview`)).json()) as any).edges.find((e: any) => e.caller === 'php-app' && e.service === svc)?.calls ?? 0;
    /** Waits for the control plane to have heard of at least `n` calls (sidecars report every 200 ms here). */
    const heard = async (n: number) => {
      for (let i = 0; i < 200 && (await overviewCalls()) < n; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await overviewCalls()).toBeGreaterThanOrEqual(n);
    };
    expect((await call(consumer.url, `/${svc}/Echo`, { text: 'seen' })).status).toBe(200);
    await heard(1);

    const before = await dumpDom(`${admin}/`);
    expect(before).toContain(`data-node="caller:php-app"`);
    expect(before).toContain(`data-node="service:${svc}"`);
    expect(before).toContain(`data-node="provider:echo-a"`);
    expect(before).toContain(`data-idl="${svc}"`);
    expect(before).toMatch(new RegExp(`data-provider="echo-a[^"]*"><td>${svc.replace(/\./g, '\\.')}</td><td>echo-a</td>`));
    expect(before).toContain(`data-method="${svc}/Echo"`);
    expect(before).toContain('no policies applied');
    const first = callsOf(before);
    expect(first).toBeDefined();

    for (let i = 0; i < 20; i++) expect((await call(consumer.url, `/${svc}/Echo`, { text: `n${i}` })).status).toBe(200);
    await heard(first!.calls + 20);
    const after = callsOf(await dumpDom(`${admin}/`));
    expect(after!.calls).toBeGreaterThanOrEqual(first!.calls + 20);
    expect(after!.rps).not.toBe('0/s');

    const file = process.env.TRANSMESH_DASHBOARD_SCREENSHOT ?? join(mkdtempSync(join(tmpdir(), 'transmesh-shot-')), 'dashboard.png');
    await screenshot(`${admin}/`, file);
    expect(existsSync(file) && statSync(file).size > 10_000).toBe(true);
  });
});
