import * as grpc from '@grpc/grpc-js';
import { idlPushArgs } from '../helpers/idl-files';
import { Proc, runCli, startNats } from '../helpers/processes';
import { call, startControlPlane, startSidecar, SidecarProc } from '../helpers/mesh';
import { startEchoServer } from '../helpers/grpc-echo-server';
import { idempotentEchoFiles, policyFile } from '../helpers/policy';

jest.setTimeout(120000);

/** A real gRPC server that answers every call of the echo service UNAVAILABLE: a provider that is up but failing. */
async function startFailingServer(): Promise<{ port: number; calls: () => number; stop: () => Promise<void> }> {
  const server = new grpc.Server();
  let calls = 0;
  const same = (b: Buffer) => b;
  for (const m of ['Echo', 'Slow', 'Fail']) {
    server.register(
      `/mesh.test.v1.Echo/${m}`,
      (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        calls++;
        cb({ code: grpc.status.UNAVAILABLE, details: 'failing on purpose' });
      },
      same,
      same,
      'unary',
    );
  }
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { port, calls: () => calls, stop: () => new Promise((r) => server.tryShutdown(() => r())) };
}

/**
 * What a policy does to calls (issue 10, the data-plane layers): routing by weight, header and
 * caller, per-method timeouts, retries only for idempotent methods, the breaker, faults. Real
 * providers behind labelled sidecars; each policy is applied with the CLI, which returns once
 * every sidecar runs it.
 */
describe('policy behaviour in the data plane', () => {
  let nats: Awaited<ReturnType<typeof startNats>>;
  let cp: Proc;
  let echoA: Awaited<ReturnType<typeof startEchoServer>>;
  let echoB: Awaited<ReturnType<typeof startEchoServer>>;
  let failing: Awaited<ReturnType<typeof startFailingServer>>;
  const procs: SidecarProc[] = [];
  let web: SidecarProc;
  let admin: SidecarProc;
  const svc = 'mesh.test.v1.Echo';

  const apply = async (yaml: string) => {
    const res = await runCli(['policy', 'apply', policyFile(`service: ${svc}\nsubsets: {v1: {version: v1}, v2: {version: v2}, bad: {version: bad}, v9: {version: v9}}\n${yaml}`), '--nats', nats.url]);
    expect(res.stderr.split('\n').filter((l) => l && !l.startsWith('warning:'))).toEqual([]);
    expect(res.code).toBe(0);
  };
  const servedBy = (r: { headers: Headers }) => r.headers.get('grpc-metadata-x-served-by');
  /** `n` calls, 20 at a time (a few hundred at once would measure the test machine, not the policy). */
  const calls = async (n: number, from: SidecarProc, method: string, body: unknown, headers: Record<string, string> = {}) => {
    const out: Awaited<ReturnType<typeof call>>[] = [];
    while (out.length < n) out.push(...(await Promise.all(Array.from({ length: Math.min(20, n - out.length) }, () => call(from.url, `/${svc}/${method}`, body, headers)))));
    return out;
  };

  beforeAll(async () => {
    nats = await startNats();
    cp = await startControlPlane(nats.url);
    expect((await runCli(['idl', 'push', ...idlPushArgs(idempotentEchoFiles(), 'echo.proto'), '--nats', nats.url])).code).toBe(0);
    [echoA, echoB, failing] = await Promise.all([startEchoServer('A'), startEchoServer('B'), startFailingServer()]);
    procs.push(await startSidecar(nats.url, 'echo', [`${svc}=grpc://127.0.0.1:${echoA.port}`], {}, ['--label', 'version=v1']));
    procs.push(await startSidecar(nats.url, 'echo', [`${svc}=grpc://127.0.0.1:${echoB.port}`], {}, ['--label', 'version=v2']));
    procs.push(await startSidecar(nats.url, 'echo', [`${svc}=grpc://127.0.0.1:${failing.port}`], {}, ['--label', 'version=bad']));
    web = await startSidecar(nats.url, 'web');
    admin = await startSidecar(nats.url, 'admin');
    procs.push(web, admin);
    for (const c of [web, admin]) await c.proc.waitFor((l) => l.msg === 'endpoints snapshot' && l.endpoints.length === 3, 'the three providers in discovery');
  });

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.proc.stop()));
    await cp?.stop();
    await Promise.all([echoA?.stop(), echoB?.stop(), failing?.stop()]);
    await nats?.stop();
  });

  test('a weighted route splits calls between subsets within tolerance', async () => {
    await apply('routes:\n  - to: {v1: 80, v2: 20}\n');
    const res = await calls(400, web, 'Echo', { text: 'w' });
    expect(res.every((r) => r.status === 200)).toBe(true);
    const b = res.filter((r) => servedBy(r) === 'B').length;
    expect(res.filter((r) => servedBy(r) === 'A').length + b).toBe(400);
    // 20% of 400 is 80, with a standard deviation of 8: 40..120 is five of them either way.
    expect(b).toBeGreaterThanOrEqual(40);
    expect(b).toBeLessThanOrEqual(120);
  });

  test('the first matching route wins: a header the app sent, then the calling app', async () => {
    await apply('routes:\n  - match: {headers: {x-canary: "1"}}\n    to: {v2: 100}\n  - match: {callers: [admin]}\n    to: {v2: 100}\n  - to: {v1: 100}\n');
    expect((await calls(20, web, 'Echo', {}, { 'x-canary': '1' })).map(servedBy)).toEqual(Array(20).fill('B'));
    expect((await calls(20, admin, 'Echo', {})).map(servedBy)).toEqual(Array(20).fill('B'));
    expect((await calls(20, web, 'Echo', {})).map(servedBy)).toEqual(Array(20).fill('A'));
  });

  test('a route to a subset with no provider gets UNAVAILABLE naming the subset', async () => {
    await apply('routes:\n  - to: {v9: 100}\n');
    const res = await call(web.url, `/${svc}/Echo`, {});
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('UNAVAILABLE');
    expect(res.body.error.message).toContain('v9');
  });

  test('a per-method timeout bounds the call; a caller header may shorten it but never lengthen it', async () => {
    await apply('routes:\n  - to: {v1: 100}\nmethods:\n  Slow: {timeout: 200ms}\n');
    const slow = await call(web.url, `/${svc}/Slow`, { delayMs: 3000 }, { 'x-transmesh-timeout-ms': '10000' });
    expect(slow.status).toBe(504);
    expect(slow.body.error.code).toBe('DEADLINE_EXCEEDED');
    expect((await call(web.url, `/${svc}/Slow`, { delayMs: 0 })).status).toBe(200);
    expect((await call(web.url, `/${svc}/Slow`, { delayMs: 3000 }, { 'x-transmesh-timeout-ms': '50' })).status).toBe(504);
  });

  test('retries rescue calls from a failing provider, for idempotent methods only', async () => {
    // No route: every provider, the failing one in turn; a retry goes to the next. The budget and
    // the breaker are set out of the way (a subset of one provider could not fail over at all).
    await apply('defaults:\n  balance: round-robin\n  retry: {attempts: 3, on: [UNAVAILABLE], budget: 100%}\n  breaker: {consecutiveFailures: 1000}\n');
    const idempotent = await calls(40, web, 'Echo', { text: 'r' });
    expect(idempotent.map((r) => r.status)).toEqual(Array(40).fill(200));
    const before = failing.calls();
    // Slow is not idempotent in the IDL: an UNAVAILABLE from a provider that got the call is not retried.
    const other = await calls(40, web, 'Slow', { delayMs: 0 });
    const failed = other.filter((r) => r.status === 503);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length).toBe(failing.calls() - before);
  });

  test('the breaker ejects a failing provider after consecutive failures', async () => {
    // No route: the three providers are one set, of which maxEjected (50%) lets one go; attempts 1: no retry hides a failure.
    await apply('defaults:\n  balance: round-robin\n  retry: {attempts: 1}\n  breaker: {consecutiveFailures: 3, ejectFor: 5m}\n');
    const res: number[] = [];
    for (let i = 0; i < 30; i++) res.push((await call(web.url, `/${svc}/Slow`, { delayMs: 0 })).status);
    expect(res.filter((s) => s !== 200).length).toBeLessThanOrEqual(3);
    expect(res.slice(-15)).toEqual(Array(15).fill(200));
  });

  test('faults: an injected abort by header, never retried; a delay that runs into the deadline', async () => {
    await apply(
      'defaults:\n  retry: {attempts: 3, on: [UNAVAILABLE]}\nroutes:\n  - to: {v1: 100}\nfaults:\n  - match: {headers: {x-chaos: abort}}\n    abort: {code: UNAVAILABLE, percent: 100}\n    expires: 1h\n  - match: {headers: {x-chaos: delay}}\n    delay: {ms: 2000, percent: 100}\n    expires: 1h\n',
    );
    const aborted = await call(web.url, `/${svc}/Echo`, {}, { 'x-chaos': 'abort' });
    expect(aborted.status).toBe(503);
    expect(aborted.body.error.code).toBe('UNAVAILABLE');
    const delayed = await call(web.url, `/${svc}/Echo`, {}, { 'x-chaos': 'delay', 'x-transmesh-timeout-ms': '100' });
    expect(delayed.status).toBe(504);
    expect((await call(web.url, `/${svc}/Echo`, {})).status).toBe(200);
  });
});
