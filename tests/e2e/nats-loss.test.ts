import { connect } from 'nats';
import { idlPushArgs } from '../helpers/idl-files';
import { openBucket } from '../../src/registry/kv';
import { bucketOptions, Buckets } from '../../src/registry/names';
import { runCli } from '../helpers/processes';
import type { LogLine } from '../../src/dev/processes';
import { call, fastDiscovery, Mesh, SidecarProc, startMesh, startSidecar } from '../helpers/mesh';
import { echoFiles, once, startEchoServer } from '../helpers/grpc-echo-server';

jest.setTimeout(60000);

const svc = 'mesh.test.v1.Echo';

/** Resolves once the latest endpoints snapshot a sidecar logged, or the next one, lists a provider. */
function providerListed(proc: Mesh['consumer']['proc']): Promise<void> {
  const listed = (l: LogLine) => l.msg === 'endpoints snapshot' && Array.isArray(l.endpoints) && l.endpoints.length > 0;
  const last = [...proc.lines].reverse().find((l) => l.msg === 'endpoints snapshot');
  if (last && listed(last)) return Promise.resolve();
  return new Promise((resolve) => {
    const f = (l: LogLine) => {
      if (!listed(l)) return;
      proc.listeners.splice(proc.listeners.indexOf(f), 1);
      resolve();
    };
    proc.listeners.push(f);
  });
}

const idlArgs = (files: Record<string, string>) => idlPushArgs(files, 'echo.proto');

/** NATS is the control path only: losing it must not stop calls, and the mesh must pick up again after. */
describe('losing NATS', () => {
  let mesh: Mesh;
  let echo: Awaited<ReturnType<typeof startEchoServer>>;
  let nats: Mesh['nats'], cp: Mesh['cp'], consumer: Mesh['consumer'];
  let drainer: SidecarProc | undefined;

  beforeAll(async () => {
    echo = await startEchoServer('A');
    mesh = await startMesh({ service: svc, idl: idlArgs(echoFiles()), upstream: `grpc://127.0.0.1:${echo.port}`, providerApp: 'echo' });
    ({ nats, cp, consumer } = mesh);
  });

  afterAll(async () => {
    await drainer?.proc.stop();
    await mesh?.stop();
    await echo?.stop();
  });

  test('sidecars keep serving from their snapshots, past the discovery TTL, and follow NATS again when it is back', async () => {
    await nats.kill();
    await consumer.proc.waitFor((l) => String(l.msg).startsWith('NATS connection lost'), 'NATS lost');
    // Calls for twice the endpoint TTL: none may fail although no heartbeat can arrive.
    const until = Date.now() + 2 * Number(fastDiscovery.TRANSMESH_ENDPOINT_TTL_MS);
    let calls = 0;
    while (Date.now() < until) {
      const res = await call(consumer.url, `/${svc}/Echo`, { text: 'offline' });
      expect(res.status).toBe(200);
      calls++;
    }
    expect(calls).toBeGreaterThan(0);
    expect((await fetch(`${consumer.admin}/readyz`)).status).toBe(200);

    await nats.restart();
    await consumer.proc.waitForMsg('NATS connection back');
    await cp.waitForMsg('control plane ready');
    const files = echoFiles();
    const v2 = files['echo.proto'].replace('rpc Slow(SlowRequest) returns (EchoReply);', 'rpc Slow(SlowRequest) returns (EchoReply);\n  rpc Again(EchoRequest) returns (EchoReply);');
    const push = await runCli(['idl', 'push', ...idlArgs({ ...files, 'echo.proto': v2 }), '--nats', nats.url]);
    expect(push.code).toBe(0);
    const version = Number(/version (\d+)/.exec(push.stdout)![1]);
    await consumer.proc.waitFor((l) => l.msg === 'idl snapshot loaded' && l.services[svc] === version, 'the push made after the restart');
    // A provider whose sidecar reconnected later than the consumer's TTL (900 ms here) is dropped
    // until its next heartbeat: wait for it to be listed again, as an app would retry.
    await mesh.provider.proc.waitForMsg('NATS connection back');
    await providerListed(consumer.proc);
    expect((await call(consumer.url, `/${svc}/Echo`, { text: 'online' })).status).toBe(200);
  });

  test('a registry record that does not load leaves the sidecar on its last good version', async () => {
    const nc = await connect({ servers: nats.url });
    try {
      const kv = await openBucket(nc.jetstream(), Buckets.idl, bucketOptions[Buckets.idl]);
      const good = (await kv.get(`service.${svc}`))!.value;
      // As if another writer pointed the service at a version whose bundle is missing.
      await kv.put(`service.${svc}`, new TextEncoder().encode(JSON.stringify({ name: svc, protocol: 'grpc', current: 999, versions: [{ version: 999, pushedAt: 'now' }] })));
      await consumer.proc.waitFor((l) => l.msg === 'keeping the last good version of a service' && l.version === 999, 'the refusal');
      expect((await call(consumer.url, `/${svc}/Echo`, { text: 'still' })).status).toBe(200);
      await kv.put(`service.${svc}`, good);
    } finally {
      await nc.close();
    }
  });

  test('SIGTERM on a consumer sidecar finishes the call in flight, then exits 0', async () => {
    drainer = await startSidecar(nats.url, 'drainer');
    const arrived = once(echo.events, 'Slow');
    const inFlight = call(drainer.url, `/${svc}/Slow`, { delayMs: 1000 });
    await Promise.race([arrived, inFlight.then((r) => Promise.reject(new Error(`the call ended before reaching the provider: ${r.text}`)))]);
    const exited = drainer.proc.stop('SIGTERM');
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await exited).toBe(0);
  });
});
