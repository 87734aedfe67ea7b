import { idlPushArgs } from '../helpers/idl-files';
import { runCli } from '../helpers/processes';
import { call, Mesh, startMesh, startSidecar } from '../helpers/mesh';
import { echoFiles, startEchoServer } from '../helpers/grpc-echo-server';

jest.setTimeout(60000);

/**
 * The whole gRPC path with real processes: nats-server, the control plane and two sidecars
 * started through the CLI, and a real grpc-js provider behind the provider sidecar.
 */
describe('gRPC through the mesh', () => {
  let mesh: Mesh;
  let echoA: Awaited<ReturnType<typeof startEchoServer>>;
  let nats: Mesh['nats'], cp: Mesh['cp'], provider: Mesh['provider'], consumer: Mesh['consumer'];
  const svc = 'mesh.test.v1.Echo';

  const writeIdl = (files: Record<string, string>) => idlPushArgs(files, 'echo.proto');

  beforeAll(async () => {
    echoA = await startEchoServer('A');
    mesh = await startMesh({ service: svc, idl: writeIdl(echoFiles()), upstream: `grpc://127.0.0.1:${echoA.port}`, providerApp: 'echo-a' });
    ({ nats, cp, provider, consumer } = mesh);
  });

  afterAll(async () => {
    await mesh?.stop();
    await echoA?.stop();
  });

  test('a call converts JSON to protobuf and back, int64 exact both ways', async () => {
    const body = '{"text":"hi","id":9223372036854775807,"color":"RED","items":[{"name":"a","price":"18446744073709551615"}],"labels":{"k":"v"},"at":"2024-05-01T10:00:00.5Z"}';
    const res = await call(consumer.url, `/${svc}/Echo`, body, { 'x-request-id': 'req-1' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('req-1');
    expect(res.body).toMatchObject({ text: 'hi', id: '9223372036854775807', color: 'RED', items: [{ name: 'a', price: '18446744073709551615' }], labels: { k: 'v' }, at: '2024-05-01T10:00:00.500Z', server: 'A' });
    const asNumber = await call(consumer.url, `/${svc}/Echo`, body, { 'x-transmesh-int64': 'number' });
    expect(asNumber.text).toContain('"id":9223372036854775807');
    expect(asNumber.text).toContain('"price":18446744073709551615');
  });

  test('metadata, request id and trace context travel to the provider and back', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const res = await call(consumer.url, `/${svc}/Echo`, { text: 'm' }, { 'grpc-metadata-tenant': 't1', traceparent, 'x-request-id': 'real', 'grpc-metadata-x-request-id': 'spoof' });
    expect(res.status).toBe(200);
    expect(res.body.metadata).toMatchObject({ tenant: 't1', traceparent });
    // The request id is the mesh's own header, end to end; metadata cannot override it.
    expect(res.body.metadata['x-request-id']).toBe('real');
    expect(res.headers.get('x-request-id')).toBe('real');
    expect(res.headers.get('grpc-metadata-x-served-by')).toBe('A');
  });

  test('a provider error keeps its code, message, details and metadata', async () => {
    const res = await call(consumer.url, `/${svc}/Fail`, { code: 5, message: 'no such thing' });
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', message: 'no such thing' });
    expect(res.body.error.requestId).toBe(res.headers.get('x-request-id'));
    expect(res.body.error.details).toEqual([{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'TEST', domain: 'mesh.test', metadata: { k: 'v' } }]);
    expect(res.headers.get('grpc-metadata-x-fail-reason')).toBe('asked');
  });

  test.each([
    ['bad JSON', '{"text":', 400, 'INVALID_ARGUMENT', 'invalid JSON'],
    ['an unknown field, with its path', '{"items":[{"name":"a"},{"nme":"b"}]}', 400, 'INVALID_ARGUMENT', 'items[1]'],
    ['a wrong type', '{"text":5}', 400, 'INVALID_ARGUMENT', 'text'],
    ['an out-of-range int64', '{"id":9223372036854775808}', 400, 'INVALID_ARGUMENT', 'id'],
    ['an unknown enum', '{"color":"BLUE"}', 400, 'INVALID_ARGUMENT', 'color'],
  ])('%s is refused before any provider is called', async (_what, body, status, code, inMessage) => {
    const res = await call(consumer.url, `/${svc}/Echo`, body);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toContain(inMessage);
    expect(typeof res.body.error.requestId).toBe('string');
  });

  test('unknown services and methods are NOT_FOUND in the same error shape', async () => {
    const a = await call(consumer.url, '/no.such.Service/Echo', {});
    expect(a.status).toBe(404);
    expect(a.body.error.code).toBe('NOT_FOUND');
    const b = await call(consumer.url, `/${svc}/Nope`, {});
    expect(b.status).toBe(404);
    expect(b.body.error.code).toBe('NOT_FOUND');
    const notARoute = await call(consumer.url, '/just-one-segment', {});
    expect(notARoute.body.error.code).toBe('NOT_FOUND');
    const get = await fetch(`${consumer.url}/${svc}/Echo`);
    expect(get.status).toBe(501);
    expect(((await get.json()) as any).error.code).toBe('UNIMPLEMENTED');
    const huge = await call(consumer.url, `/${svc}/Echo`, JSON.stringify({ text: 'x'.repeat(5 * 1024 * 1024) }));
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('RESOURCE_EXHAUSTED');
  });

  test('x-transmesh-timeout-ms is the deadline, enforced and passed on', async () => {
    const res = await call(consumer.url, `/${svc}/Slow`, { delayMs: 5000 }, { 'x-transmesh-timeout-ms': '200' });
    expect(res.status).toBe(504);
    expect(res.body.error.code).toBe('DEADLINE_EXCEEDED');
    const bad = await call(consumer.url, `/${svc}/Slow`, { delayMs: 1 }, { 'x-transmesh-timeout-ms': 'soon' });
    expect(bad.status).toBe(400);
    // The provider is called with the caller's deadline (what is left of it), not the 15 s default.
    const passed = await call(consumer.url, `/${svc}/Echo`, { text: 'deadline' }, { 'x-transmesh-timeout-ms': '5000' });
    expect(passed.status).toBe(200);
    const left = Number(passed.headers.get('grpc-metadata-x-deadline-ms'));
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(5000);
  });

  test('admin endpoints: health, readiness, metrics, snapshot', async () => {
    // A is the only provider here: each of these calls is counted once on each side.
    const echoCount = async (admin: string, direction: string) => {
      const m = new RegExp(`transmesh_requests_total\\{direction="${direction}",caller="php-app",service="mesh\\.test\\.v1\\.Echo",method="Echo",code="OK"\\} (\\d+)`).exec(await (await fetch(`${admin}/metrics`)).text());
      return m ? Number(m[1]) : 0;
    };
    const [outBefore, inBefore] = [await echoCount(consumer.admin, 'outbound'), await echoCount(provider.admin, 'inbound')];
    for (let i = 0; i < 3; i++) expect((await call(consumer.url, `/${svc}/Echo`, { text: 'counted' })).status).toBe(200);
    expect(await echoCount(consumer.admin, 'outbound')).toBe(outBefore + 3);
    expect(await echoCount(provider.admin, 'inbound')).toBe(inBefore + 3);
    expect((await fetch(`${consumer.admin}/healthz`)).status).toBe(200);
    expect((await fetch(`${consumer.admin}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${consumer.admin}/metrics`)).text();
    expect(metrics).toMatch(/transmesh_requests_total\{direction="outbound",caller="php-app",service="mesh.test.v1.Echo",method="Echo",code="OK"\} \d+/);
    expect(metrics).toMatch(/transmesh_request_errors_total\{[^}]*code="NOT_FOUND"\} \d+/);
    expect(metrics).toContain('transmesh_request_duration_seconds_bucket');
    // The control plane adds up what every sidecar reports (batched every 200 ms in tests).
    const wanted = /transmesh_requests_total\{direction="outbound",caller="php-app",service="mesh.test.v1.Echo",method="Echo",code="OK"\} [1-9]/;
    for (let i = 0; i < 200 && !wanted.test(await (await fetch(`${cp.admin}/metrics`)).text()); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await (await fetch(`${cp.admin}/metrics`)).text()).toMatch(wanted);
    const snap = (await (await fetch(`${consumer.admin}/debug/snapshot`)).json()) as any;
    expect(snap.idl.services[0]).toMatchObject({ name: svc, protocol: 'grpc' });
    expect(snap.endpoints[svc]).toHaveLength(1);
  });

  test('an IDL push is served live, a rollback too, and a bad IDL changes nothing', async () => {
    const files = echoFiles();
    const v2 = files['echo.proto'].replace('rpc Slow(SlowRequest) returns (EchoReply);', 'rpc Slow(SlowRequest) returns (EchoReply);\n  rpc Echo2(EchoRequest) returns (EchoReply);');
    const before = await call(consumer.url, `/${svc}/Echo2`, {});
    expect(before.status).toBe(404);
    // A call in flight while the new version is swapped in finishes normally.
    const inFlight = call(consumer.url, `/${svc}/Slow`, { delayMs: 3000 });
    const push = await runCli(['idl', 'push', ...writeIdl({ ...files, 'echo.proto': v2 }), '--nats', nats.url]);
    expect(push.code).toBe(0);
    const version = Number(/version (\d+)/.exec(push.stdout)![1]);
    await consumer.proc.waitFor((l) => l.msg === 'idl snapshot loaded' && l.services[svc] === version, 'the new version');
    const slow = await inFlight;
    expect(slow.status).toBe(200);
    expect(slow.body.text).toBe('slow');
    // The provider does not implement Echo2: the call now reaches it and gets its UNIMPLEMENTED.
    const after = await call(consumer.url, `/${svc}/Echo2`, {});
    expect(after.body.error.code).toBe('UNIMPLEMENTED');

    const broken = await runCli(['idl', 'push', ...writeIdl({ ...files, 'echo.proto': files['echo.proto'].replace('string text = 1;', 'strin text = 1;') }), '--nats', nats.url]);
    expect(broken.code).not.toBe(0);
    expect(broken.stderr).toMatch(/echo\.proto:\d+:\d+/);
    const missing = await runCli(['idl', 'push', ...writeIdl({ 'echo.proto': files['echo.proto'] }), '--nats', nats.url]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/echo\.proto:\d+:\d+.*types\.proto/);
    const ls = await runCli(['idl', 'ls', '--json', '--nats', nats.url]);
    expect(JSON.parse(ls.stdout)).toEqual([expect.objectContaining({ name: svc, version })]);

    const rb = await runCli(['idl', 'rollback', svc, '--nats', nats.url]);
    expect(rb.code).toBe(0);
    await consumer.proc.waitFor((l) => l.msg === 'idl snapshot loaded' && l.services[svc] < version, 'the rollback');
    expect((await call(consumer.url, `/${svc}/Echo2`, {})).status).toBe(404);

    const show = await runCli(['idl', 'show', svc, '--nats', nats.url]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`POST /${svc}/Echo`);
  });

  test('a provider whose service is down (its sidecar up) is skipped: the call goes to another, nothing fails', async () => {
    const echoC = await startEchoServer('C');
    const providerC = await startSidecar(nats.url, 'echo-c', [`${svc}=grpc://127.0.0.1:${echoC.port}`]);
    try {
      await consumer.proc.waitFor((l) => l.msg === 'endpoints snapshot' && l.endpoints.length === 2, 'C in discovery');
      await echoC.stop();
      const servers: string[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await call(consumer.url, `/${svc}/Echo`, { text: 'x' });
        expect(res.status).toBe(200);
        servers.push(res.body.server);
      }
      expect(new Set(servers)).toEqual(new Set(['A']));
    } finally {
      await providerC.proc.stop();
    }
  });

  test('a provider that drains stops getting calls, a new one gets them, a late consumer knows it at once', async () => {
    const echoB = await startEchoServer('B');
    const providerB = await startSidecar(nats.url, 'echo-b', [`${svc}=grpc://127.0.0.1:${echoB.port}`]);
    try {
      await consumer.proc.waitFor((l) => l.msg === 'endpoints snapshot' && l.endpoints.length === 2, 'two providers');
      const servers = new Set<string>();
      // Least-loaded (the default) tries a newcomer at once; after that the faster provider gets sequential calls.
      for (let i = 0; i < 4; i++) servers.add((await call(consumer.url, `/${svc}/Echo`, { text: 'rr' })).body.server);
      expect(servers).toContain('B');

      expect(await provider.proc.stop('SIGTERM')).toBe(0);
      await consumer.proc.waitFor((l) => l.msg === 'endpoints snapshot' && l.endpoints.length === 1 && l.endpoints[0].startsWith('echo-b'), 'A withdrawn');
      for (let i = 0; i < 4; i++) expect((await call(consumer.url, `/${svc}/Echo`, { text: 'x' })).body.server).toBe('B');

      const late = await startSidecar(nats.url, 'late-app');
      try {
        const res = await call(late.url, `/${svc}/Echo`, { text: 'late' });
        expect(res.status).toBe(200);
        expect(res.body.server).toBe('B');
      } finally {
        await late.proc.stop();
      }

      // A provider sidecar that dies without draining is dropped at its TTL; until then a call to it fails UNAVAILABLE (503).
      await providerB.proc.stop('SIGKILL');
      const res = await call(consumer.url, `/${svc}/Echo`, { text: 'dead' });
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('UNAVAILABLE');
      await consumer.proc.waitFor((l) => l.msg === 'endpoints snapshot' && l.endpoints.length === 0, 'B expired');
      const none = await call(consumer.url, `/${svc}/Echo`, { text: 'none' });
      expect(none.body.error).toMatchObject({ code: 'UNAVAILABLE' });
      expect(none.body.error.message).toContain('no provider');
    } finally {
      await providerB.proc.stop();
      await echoB.stop();
    }
  });
});

describe('the CLI', () => {
  test('a bad flag exits 2 with a one-line reason', async () => {
    const r = await runCli(['sidecar', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const noApp = await runCli(['sidecar']);
    expect(noApp.code).toBe(2);
    expect(noApp.stderr).toContain('--app');
  });

  test('an unreachable NATS exits non-zero with a one-line reason', async () => {
    const r = await runCli(['control-plane', '--nats', 'nats://127.0.0.1:1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot reach NATS');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('--help prints usage and exits 0', async () => {
    for (const cmd of [['--help'], ['sidecar', '--help'], ['control-plane', '--help'], ['idl', '--help']]) {
      const r = await runCli(cmd);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('usage');
    }
  });
});
