/**
 * What mTLS costs on the peer hop, measured with the mesh's own TLS material (MeshTls) over
 * node:http2 on loopback, client and server in this one process:
 *   - a new session (TCP + TLS 1.3 handshake with certificates both ways + one request) against
 *     a new h2c session, wall time and CPU of both sides together;
 *   - a small request on a kept session, sequential (latency) and 50 in flight (throughput).
 * Run: npx tsc -p tsconfig.json && node dist/bench/tls-cost.js
 */
import http2, { ClientHttp2Session, SecureClientSessionOptions } from 'node:http2';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initCa, loadCa, signCsr } from '../src/identity/ca';
import { MeshTls } from '../src/identity/mesh-tls';
import { newWorkloadKey } from '../src/identity/workload-key';

async function material(app: string, ca: Awaited<ReturnType<typeof loadCa>>) {
  const key = await newWorkloadKey(app);
  return { keyPem: key.keyPem, certPem: await signCsr(ca, key.csrPem, app, 3_600_000), caPem: ca.certPem, trustDomain: ca.trustDomain };
}

function request(s: ClientHttp2Session): Promise<void> {
  return new Promise((resolve, reject) => {
    const r = s.request({ ':method': 'POST', ':path': '/x' });
    r.on('data', () => undefined);
    r.on('end', () => resolve());
    r.on('error', reject);
    r.end(Buffer.alloc(64));
  });
}

async function connectOnce(url: string, opts: SecureClientSessionOptions | undefined): Promise<void> {
  const s = opts ? http2.connect(url, opts) : http2.connect(url);
  await request(s);
  await new Promise<void>((r) => s.close(() => r()));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const dir = join(mkdtempSync(join(tmpdir(), 'transmesh-tls-cost-')), 'ca');
  await initCa(dir);
  const ca = await loadCa(dir);
  const server = new MeshTls(await material('provider', ca));
  const client = new MeshTls(await material('consumer', ca));
  const handler = (stream: http2.ServerHttp2Stream) => {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      stream.respond({ ':status': 200 });
      stream.end(Buffer.alloc(64));
    });
  };
  const tlsServer = http2.createSecureServer(server.serverOptions()).on('stream', handler);
  const h2cServer = http2.createServer().on('stream', handler);
  await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => h2cServer.listen(0, '127.0.0.1', r));
  const tlsUrl = `https://127.0.0.1:${(tlsServer.address() as { port: number }).port}`;
  const h2cUrl = `http://127.0.0.1:${(h2cServer.address() as { port: number }).port}`;
  const modes = [
    { name: 'h2c', url: h2cUrl, opts: undefined },
    { name: 'mTLS 1.3', url: tlsUrl, opts: client.clientOptions('provider') },
  ];
  const rows: string[] = [];
  for (const m of modes) {
    const n = 200;
    for (let i = 0; i < 20; i++) await connectOnce(m.url, m.opts); // warm-up
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await connectOnce(m.url, m.opts);
    const wall = (performance.now() - t0) / n;
    const cpu = process.cpuUsage(cpu0);
    const session = m.opts ? http2.connect(m.url, m.opts) : http2.connect(m.url);
    for (let i = 0; i < 500; i++) await request(session);
    const lat: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const s = performance.now();
      await request(session);
      lat.push(performance.now() - s);
    }
    const total = 20000;
    let sent = 0;
    const t1 = performance.now();
    await Promise.all(Array.from({ length: 50 }, async () => {
      while (sent++ < total) await request(session);
    }));
    const rps = total / ((performance.now() - t1) / 1000);
    session.close();
    rows.push(`| ${m.name} | ${wall.toFixed(2)} ms | ${((cpu.user + cpu.system) / 1000 / n).toFixed(2)} ms | ${(median(lat) * 1000).toFixed(0)} us | ${Math.round(rps)} |`);
  }
  tlsServer.close();
  h2cServer.close();
  process.stdout.write(
    ['| peer hop | new session + 1 request (wall) | CPU per new session (both sides) | small request on a kept session (median) | kept session, 50 in flight (req/s) |', '|---|---|---|---|---|', ...rows].join('\n') + '\n',
  );
}

void main().then(() => process.exit(0));
