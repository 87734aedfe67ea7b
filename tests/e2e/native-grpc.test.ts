import { existsSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { runToEnd } from '../../src/dev/processes';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { call, Mesh, startMesh, startSidecar } from '../helpers/mesh';
import { freePort, repoRoot, runCli } from '../helpers/processes';
import { policyFile } from '../helpers/policy';
import { windowEnd } from '../../src/policy/quota-window';
import { echoFiles, loadEchoRoot, startEchoServer } from '../helpers/grpc-echo-server';
import { startBytesEcho } from '../helpers/grpc-bytes-echo';
import { NativeClient } from '../helpers/grpc-native-client';

jest.setTimeout(60000);

const fixtures = join(repoRoot, 'tests', 'fixtures', 'native-grpc');

/** echo.proto and its imports, bytes.proto (mesh.test.v1.Bytes) and a Thrift service, in one push. */
function pushArgs(dir: string): string[] {
  const files: Record<string, string> = { ...echoFiles(), 'bytes.proto': readFileSync(join(fixtures, 'bytes.proto'), 'utf8'), 'ping.thrift': readFileSync(join(fixtures, 'ping.thrift'), 'utf8') };
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return [join(dir, 'echo.proto'), join(dir, 'bytes.proto'), join(dir, 'ping.thrift'), '-I', dir];
}

/** grpcurl, built by scripts/ensure-tools.sh (ensure_grpcurl), as npm test and CI run it. */
function grpcurlPath(): string {
  const grpcurl = process.env.TRANSMESH_GRPCURL ?? join(homedir(), '.cache', 'transmesh', 'bin', 'grpcurl');
  if (!existsSync(grpcurl)) throw new Error(`no grpcurl at ${grpcurl}: run "source scripts/ensure-tools.sh; ensure_grpcurl"`);
  return grpcurl;
}

/**
 * Native gRPC callers on the consumer sidecar's --listen port (grpc-js with createInsecure, as
 * grpc-java's usePlaintext), with real processes: nats-server, the control plane, two sidecars,
 * grpc-js providers behind the provider sidecar.
 */
describe('native gRPC callers on the app listener', () => {
  let mesh: Mesh;
  let echo: Awaited<ReturnType<typeof startEchoServer>>;
  let bytes: Awaited<ReturnType<typeof startBytesEcho>>;
  let client: NativeClient;
  const root = loadEchoRoot();
  const EchoRequest = root.lookupType('mesh.test.v1.EchoRequest');
  const EchoReply = root.lookupType('mesh.test.v1.EchoReply');
  const FailRequest = root.lookupType('mesh.test.v1.FailRequest');
  const SlowRequest = root.lookupType('mesh.test.v1.SlowRequest');
  const svc = 'mesh.test.v1.Echo';
  const idlDir = mkdtempSync(join(tmpdir(), 'transmesh-idl-'));

  beforeAll(async () => {
    echo = await startEchoServer('A');
    bytes = await startBytesEcho('mesh.test.v1.Bytes', ['Echo']);
    mesh = await startMesh({ service: svc, idl: pushArgs(idlDir), upstream: `grpc://127.0.0.1:${echo.port}`, providerApp: 'echo-a', alsoProvide: [`mesh.test.v1.Bytes=grpc://127.0.0.1:${bytes.port}`] });
    client = new NativeClient(new URL(mesh.consumer.url).host);
  });

  afterAll(async () => {
    client?.close();
    await mesh?.stop();
    await echo?.stop();
    await bytes?.stop();
  });

  test('a unary call passes the message through as it is, unknown fields and all', async () => {
    // Field 99 is in no IDL: a mesh that decoded and re-encoded the message would drop it.
    const message = Buffer.concat([Buffer.from(EchoRequest.encode({ text: 'as is', id: '9223372036854775807' }).finish()), Buffer.from([0x98, 0x06, 0x01])]);
    const r = await client.unary('/mesh.test.v1.Bytes/Echo', message);
    expect(r.status.code).toBe(grpc.status.OK);
    expect(r.message!.equals(message)).toBe(true);
  });

  test('custom metadata reaches the provider and its response metadata comes back', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const r = await client.unary(`/${svc}/Echo`, Buffer.from(EchoRequest.encode({ text: 'm' }).finish()), { tenant: 't1', traceparent, 'x-request-id': 'req-9' });
    expect(r.status.code).toBe(grpc.status.OK);
    const reply = EchoReply.toObject(EchoReply.decode(r.message!)) as { text: string; server: string; metadata: Record<string, string> };
    expect(reply).toMatchObject({ text: 'm', server: 'A' });
    expect(reply.metadata).toMatchObject({ tenant: 't1', traceparent, 'x-request-id': 'req-9' });
    expect(r.headers?.get('x-served-by')).toEqual(['A']);
    expect(r.headers?.get('x-request-id')).toEqual(['req-9']);
  });

  test("a provider's error keeps its code, message, details and metadata", async () => {
    const r = await client.unary(`/${svc}/Fail`, Buffer.from(FailRequest.encode({ code: 5, message: 'no such thing' }).finish()));
    expect(r.status.code).toBe(grpc.status.NOT_FOUND);
    expect(r.status.details).toBe('no such thing');
    expect(r.status.metadata.get('x-fail-reason')).toEqual(['asked']);
    const details = r.status.metadata.get('grpc-status-details-bin')[0] as Buffer;
    const Status = (await import('protobufjs')).parse('syntax = "proto3"; message Any { string type_url = 1; bytes value = 2; } message Status { int32 code = 1; string message = 2; repeated Any details = 3; }').root.lookupType('Status');
    expect(Status.toObject(Status.decode(details))).toMatchObject({ code: 5, message: 'no such thing', details: [{ typeUrl: 'type.googleapis.com/google.rpc.ErrorInfo' }] });
  });

  test("the caller's deadline (grpc-timeout) is the call's: passed on, and DEADLINE_EXCEEDED when it passes", async () => {
    const ok = await client.unary(`/${svc}/Echo`, Buffer.from(EchoRequest.encode({ text: 'd' }).finish()), {}, 5000);
    expect(ok.status.code).toBe(grpc.status.OK);
    const left = Number(ok.headers?.get('x-deadline-ms')[0]);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(5000);
    const late = await client.unary(`/${svc}/Slow`, Buffer.from(SlowRequest.encode({ delayMs: 10_000 }).finish()), {}, 300);
    expect(late.status.code).toBe(grpc.status.DEADLINE_EXCEEDED);
  });

  test('a Thrift service and an unknown method or service are UNIMPLEMENTED, saying how to call them', async () => {
    const thrift = await client.unary('/ping.Ping/ping', Buffer.alloc(0));
    expect(thrift.status.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(thrift.status.details).toContain('POST /ping.Ping/ping');
    const method = await client.unary(`/${svc}/Nope`, Buffer.alloc(0));
    expect(method.status.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(method.status.details).toContain('Echo, Fail, Slow');
    const service = await client.unary('/no.such.Service/Call', Buffer.alloc(0));
    expect(service.status.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(service.status.details).toContain('transmesh idl push');
    // Streaming methods pass through (tests/e2e/streaming.test.ts): this one's service does not implement it.
    const streaming = await new Promise<grpc.StatusObject>((resolve) => client.serverStream('/mesh.test.v1.Bytes/Stream', Buffer.alloc(0), () => undefined).status.then(resolve));
    expect(streaming.code).toBe(grpc.status.UNIMPLEMENTED);
  });

  test("the mesh's reserved metadata names are refused with INVALID_ARGUMENT before anything is sent", async () => {
    const r = await client.unary(`/${svc}/Echo`, Buffer.alloc(0), { 'x-transmesh-caller': 'someone-else' });
    expect(r.status.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(r.status.details).toContain('x-transmesh-caller');
  });

  test('HTTP/JSON callers share the port, and native calls are counted like theirs', async () => {
    const r = await call(mesh.consumer.url, `/${svc}/Echo`, { text: 'json' });
    expect(r.status).toBe(200);
    expect(r.body.text).toBe('json');
    const metrics = await (await fetch(`${mesh.consumer.admin}/metrics`)).text();
    expect(metrics).toMatch(/transmesh_requests_total\{[^}]*service="mesh\.test\.v1\.Bytes"[^}]*method="Echo"[^}]*code="OK"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/transmesh_requests_total\{[^}]*service="mesh\.test\.v1\.Echo"[^}]*method="Fail"[^}]*code="NOT_FOUND"[^}]*\} [1-9]/);
  });

  test("the service's policy applies: a fault matches gRPC metadata as a header, a quota refusal is RESOURCE_EXHAUSTED with grpc-retry-pushback-ms", async () => {
    const doc = 'service: mesh.test.v1.Bytes\nquotas:\n  - {caller: php-app, methods: [Echo], limit: 2, per: hour}\nfaults:\n  - {match: {headers: {x-chaos: abort}}, abort: {code: ABORTED, percent: 100}, expires: 10m}\n';
    // Counting must not straddle the hour's end.
    const left = windowEnd(Date.now(), 'hour') - Date.now();
    if (left < 10_000) await new Promise((r) => setTimeout(r, left + 50));
    const applied = await runCli(['policy', 'apply', policyFile(doc), '--nats', mesh.nats.url]);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    const message = Buffer.from(EchoRequest.encode({ text: 'q' }).finish());
    const chaos = await client.unary('/mesh.test.v1.Bytes/Echo', message, { 'x-chaos': 'abort' });
    expect(chaos.status.code).toBe(grpc.status.ABORTED);
    expect(chaos.status.details).toContain('fault injected');
    for (let i = 0; i < 2; i++) expect((await client.unary('/mesh.test.v1.Bytes/Echo', message)).status.code).toBe(grpc.status.OK);
    const refused = await client.unary('/mesh.test.v1.Bytes/Echo', message);
    expect(refused.status.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(refused.status.details).toContain('quota of php-app on mesh.test.v1.Bytes [Echo] exhausted: 2 per hour');
    expect(Number(refused.status.metadata.get('grpc-retry-pushback-ms')[0])).toBeGreaterThan(0);
  });

  test('grpcurl, with the .proto at hand, calls through the mesh and reads its errors', async () => {
    const grpcurl = grpcurlPath();
    const target = new URL(mesh.consumer.url).host;
    const run = (...args: string[]) => runToEnd(grpcurl, ['-plaintext', '-import-path', idlDir, '-proto', 'echo.proto', ...args]);
    const ok = await run('-H', 'tenant: t1', '-d', '{"text": "hi", "id": "9223372036854775807"}', target, `${svc}/Echo`);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ text: 'hi', id: '9223372036854775807', server: 'A', metadata: { tenant: 't1' } });
    const failed = await run('-d', '{"code": 5, "message": "no such thing"}', target, `${svc}/Fail`);
    expect(failed.code).not.toBe(0);
    expect(failed.stdout + failed.stderr).toMatch(/Code: NotFound\s+Message: no such thing/);
  });

  test('server reflection: grpcurl lists, describes and calls the registry with no .proto at hand', async () => {
    const target = new URL(mesh.consumer.url).host;
    const run = (...args: string[]) => runToEnd(grpcurlPath(), ['-plaintext', ...args]);
    const list = await run(target, 'list');
    expect(list.stderr).toBe('');
    expect(list.stdout.trim().split('\n')).toEqual(['mesh.test.v1.Bytes', 'mesh.test.v1.Echo']);
    const methods = await run(target, 'list', svc);
    expect(methods.stdout.trim().split('\n')).toEqual(['mesh.test.v1.Echo.Echo', 'mesh.test.v1.Echo.Fail', 'mesh.test.v1.Echo.Slow']);
    const described = await run(target, 'describe', 'mesh.test.v1.EchoRequest');
    expect(described.code).toBe(0);
    expect(described.stdout).toContain('map<string, string> labels = 5;');
    expect(described.stdout).toContain('.google.protobuf.Timestamp at = 6;');
    expect(described.stdout).toContain('repeated .mesh.test.v1.Item items = 4;');
    const called = await run('-d', '{"text": "reflected", "labels": {"k": "v"}, "at": "2024-05-01T10:00:00Z"}', target, `${svc}/Echo`);
    expect(called.stderr).toBe('');
    expect(JSON.parse(called.stdout)).toMatchObject({ text: 'reflected', labels: { k: 'v' }, at: '2024-05-01T10:00:00Z', server: 'A' });
    // Older clients ask v1alpha: the same messages on another path. list_services, then half-close.
    for (const version of ['v1', 'v1alpha']) {
      const stream = client.client.makeBidiStreamRequest(`/grpc.reflection.${version}.ServerReflection/ServerReflectionInfo`, (b: Buffer) => b, (b: Buffer) => b);
      const answers: Buffer[] = [];
      stream.on('data', (m: Buffer) => answers.push(m));
      const status = new Promise<grpc.StatusObject>((resolve) => stream.on('status', resolve));
      stream.write(Buffer.from([0x3a, 0x00]));
      stream.end();
      expect((await status).code).toBe(grpc.status.OK);
      expect(answers).toHaveLength(1);
      // original_request (field 2) echoed, then list_services_response (field 6) naming both services.
      expect(answers[0].includes(Buffer.from([0x12, 0x02, 0x3a, 0x00]))).toBe(true);
      expect(answers[0].toString('latin1')).toContain('mesh.test.v1.Bytes');
      expect(answers[0].toString('latin1')).toContain('mesh.test.v1.Echo');
    }
  });

  describe('gRPC health, answered by the sidecar', () => {
    const request = (service: string) => Buffer.concat([Buffer.from([0x0a, Buffer.byteLength(service)]), Buffer.from(service)]);
    const SERVING = Buffer.from([0x08, 1]);
    const NOT_SERVING = Buffer.from([0x08, 2]);

    test('Check: SERVING while a provider is up, NOT_SERVING without one, "" the sidecar itself, NOT_FOUND for a service nobody pushed', async () => {
      const check = (service: string) => client.unary('/grpc.health.v1.Health/Check', request(service));
      const sidecar = await check('');
      expect(sidecar.status.code).toBe(grpc.status.OK);
      expect(sidecar.message).toEqual(SERVING);
      expect((await check(svc)).message).toEqual(SERVING);
      expect((await check('ping.Ping')).message).toEqual(NOT_SERVING);
      const unknown = await check('no.such.Service');
      expect(unknown.status.code).toBe(grpc.status.NOT_FOUND);
    });

    test('Watch: the status now, then each change as providers come and go', async () => {
      const seen: Buffer[] = [];
      let waiter: (() => void) | undefined;
      const watch = client.serverStream('/grpc.health.v1.Health/Watch', request('ping.Ping'), (m) => {
        seen.push(m);
        waiter?.();
      });
      const nth = (n: number) => new Promise<Buffer>((resolve) => {
        const check = () => (seen.length >= n ? resolve(seen[n - 1]) : (waiter = check));
        check();
      });
      expect(await nth(1)).toEqual(NOT_SERVING);
      const pinger = await startSidecar(mesh.nats.url, 'ping-app', [`ping.Ping=thrift://127.0.0.1:${await freePort()}`]);
      try {
        expect(await nth(2)).toEqual(SERVING);
      } finally {
        await pinger.proc.stop();
      }
      expect(await nth(3)).toEqual(NOT_SERVING);
      watch.cancel();
      expect((await watch.status).code).toBe(grpc.status.CANCELLED);
    });
  });
});
