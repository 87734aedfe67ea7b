import http2 from 'node:http2';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { sidecarConfigSchema, type SidecarConfig } from '../../src/config/sidecar-config';
import { createLogger } from '../../src/log/logger';
import { startControlPlane } from '../../src/node/control-plane-node';
import { startSidecar } from '../../src/node/sidecar-node';
import { Sidecar } from '../../src/sidecar/sidecar';
import { freePort, startNats } from '../helpers/processes';
import type { NatsProcess } from '../../src/dev/processes';
import { connect as natsConnect } from 'nats';
import { createBuckets } from '../../src/registry/kv';

jest.setTimeout(30_000);

/**
 * A sidecar or control plane started in this process: a start that fails halfway leaves nothing
 * behind (listeners, the NATS connection, the SIGHUP handler), start leaves no snapshot listener
 * of its own, and a drain that runs out of time closes the connections still open.
 */
process.env.TRANSMESH_LOG_LEVEL = 'silent';
const log = createLogger('test', 'silent');

/** Polls a condition on the outside world (another process's view), which sends no event here. */
async function until(cond: () => Promise<boolean>): Promise<void> {
  while (!(await cond())) await new Promise((r) => setTimeout(r, 20));
}

async function occupy(): Promise<Server> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  return s;
}

/** True when the port can be bound again (nothing of the failed start still holds it). */
async function isFree(port: number): Promise<boolean> {
  const s = createServer();
  try {
    s.listen(port, '127.0.0.1');
    await once(s, 'listening');
    return true;
  } catch {
    return false;
  } finally {
    if (s.listening) await new Promise((r) => s.close(r));
  }
}

function config(over: Record<string, unknown>): SidecarConfig {
  return sidecarConfigSchema.parse({ app: 'lifecycle', nats: 'nats://127.0.0.1:1', listen: '127.0.0.1:0', inbound: '127.0.0.1:0', admin: '127.0.0.1:0', heartbeatMs: 200, endpointTtlMs: 900, ...over });
}

describe('with NATS', () => {
  let nats: NatsProcess;
  const connections = async () => ((await (await fetch(`${nats.monitorUrl}/connz`)).json()) as { num_connections: number }).num_connections;

  beforeAll(async () => {
    nats = await startNats({ monitor: true });
    // The buckets a control plane creates at start: sidecars only bind them (docs/security.md).
    const nc = await natsConnect({ servers: nats.url });
    await createBuckets(nc.jetstream());
    await nc.close();
  });
  afterAll(() => nats.stop());

  test('a sidecar whose admin port is taken frees its other listeners and closes its NATS connection', async () => {
    const taken = await occupy();
    try {
      const [listen, inbound] = [await freePort(), await freePort()];
      const admin = `127.0.0.1:${(taken.address() as { port: number }).port}`;
      const c = config({ nats: nats.url, listen: `127.0.0.1:${listen}`, inbound: `127.0.0.1:${inbound}`, admin });
      await expect(startSidecar(c)).rejects.toThrow(/EADDRINUSE/);
      expect(await isFree(listen)).toBe(true);
      expect(await isFree(inbound)).toBe(true);
      await until(async () => (await connections()) === 0);
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });

  test('a control plane whose admin port is taken removes its SIGHUP handler and closes its NATS connection', async () => {
    await until(async () => (await connections()) === 0);
    const taken = await occupy();
    const sighup = process.listenerCount('SIGHUP');
    try {
      const port = (taken.address() as { port: number }).port;
      await expect(startControlPlane({ nats: nats.url, admin: { host: '127.0.0.1', port } })).rejects.toThrow(/EADDRINUSE/);
      expect(process.listenerCount('SIGHUP')).toBe(sighup);
      await until(async () => (await connections()) === 0);
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });

  test('a providing sidecar that has seen itself in discovery keeps no listener for it', async () => {
    const c = config({ nats: nats.url, provide: ['shop.Catalog=thrift://127.0.0.1:1'] });
    const { sidecar, stop } = await startSidecar(c);
    try {
      expect([...sidecar.endpoints.current.byService.values()].flat().map((e) => e.app)).toContain('lifecycle');
      // The data plane's own listeners, as a sidecar built alone has them: nothing of start is left.
      expect(sidecar.endpoints.listenerCount).toBe(new Sidecar(c, log).endpoints.listenerCount);
    } finally {
      await stop();
    }
  });
});

describe('a drain that runs out of time', () => {
  test('closes the connections still open, on the app listener and the peer listener', async () => {
    // The body timeout (60 s) and the deadline are far longer than the drain: only the drain ends these calls.
    const sidecar = new Sidecar(config({ drainMs: 200, bodyTimeoutMs: 60_000, provide: ['shop.Catalog=thrift://127.0.0.1:1'] }), log);
    const bound = await sidecar.listen();
    const app: Socket = connect(Number(new URL(bound.listen).port), '127.0.0.1');
    app.on('error', () => undefined);
    // An upload in progress, a call in flight whose body never completes: the 100 Continue says the sidecar took it.
    app.write('POST /shop.Catalog/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\nExpect: 100-continue\r\nX-Transmesh-Timeout-Ms: 60000\r\n\r\n');
    const [continued] = (await once(app, 'data')) as [Buffer];
    expect(continued.toString()).toMatch(/^HTTP\/1\.1 100 Continue/);
    app.write('{"te');
    const peer = http2.connect(`http://127.0.0.1:${bound.inbound}`);
    peer.on('error', () => undefined);
    await once(peer, 'connect');
    const stream = peer.request({ ':method': 'POST', ':path': '/shop.Catalog/echo', 'content-type': 'application/grpc+thrift', 'grpc-timeout': '60S' }, { endStream: false });
    stream.on('error', () => undefined);
    stream.write(Buffer.from([0, 0, 0, 0, 10]));
    // Frames are handled in order: the PING's answer means the sidecar has opened the stream.
    await new Promise<void>((resolve, reject) => peer.ping((err) => (err ? reject(err) : resolve())));
    const appClosed = once(app, 'close');
    const peerClosed = once(peer, 'close');
    await sidecar.drain();
    await Promise.all([appClosed, peerClosed]);
  });
});
