import { execFileSync, spawn } from 'node:child_process';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { installLeanAsyncBind } from '../src/cli/lean-async-bind';

/**
 * CPU per request of Node's HTTP/2 client alone, with Node's own `AsyncResource.bind` and with
 * the sidecar's lean one (src/cli/lean-async-bind.ts), alternating in fresh processes against one
 * h2c server process. `node dist/bench/h2-request-cost.js [requests] [pairs]`; any node binary
 * can run it (e.g. a Node 24 from ~/.cache/transmesh/node24).
 */
const body = Buffer.alloc(1000);

function server(): void {
  const s = http2.createServer();
  s.on('stream', (st) => {
    st.resume();
    st.on('end', () => {
      st.respond({ ':status': 200 });
      st.end(body);
    });
  });
  s.listen(0, '127.0.0.1', () => process.stdout.write(`${(s.address() as AddressInfo).port}\n`));
  process.stdin.resume().on('end', () => process.exit(0));
}

function client(port: number, n: number, lean: boolean): void {
  if (lean && !installLeanAsyncBind({})) throw new Error(`this Node (${process.version}) is left alone by the lean bind`);
  const session = http2.connect(`http://127.0.0.1:${port}`);
  const one = (then: () => void) => {
    const r = session.request({ ':method': 'POST', ':path': '/x' });
    r.resume().on('end', then);
    r.end(body);
  };
  let left = 3000;
  const warm = () => (--left > 0 ? one(warm) : left === 0 && measure());
  for (let i = 0; i < 8; i++) one(warm);
  function measure(): void {
    const c0 = process.cpuUsage();
    let started = 0;
    let done = 0;
    const next = () => {
      if (started >= n) return;
      started++;
      one(() => (++done === n ? finish() : next()));
    };
    const finish = () => {
      const c = process.cpuUsage(c0);
      process.stdout.write(`${((c.user + c.system) / n).toFixed(1)}\n`);
      session.close();
    };
    for (let i = 0; i < 32; i++) next();
  }
}

async function main(): Promise<void> {
  const [mode, a, b, c] = process.argv.slice(2);
  if (mode === 'server') return server();
  if (mode === 'client') return client(Number(a), Number(b), c === 'lean');
  const n = Number(mode ?? 20000);
  const pairs = Number(a ?? 3);
  const srv = spawn(process.execPath, [__filename, 'server'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => srv.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  const run = (kind: string) => Number(execFileSync(process.execPath, [__filename, 'client', String(port), String(n), kind], { encoding: 'utf8' }).trim());
  process.stdout.write(`Node ${process.version}: µs CPU per h2 client request (1 KB up, 1 KB down, 32 in flight, ${n} requests)\n`);
  for (let i = 0; i < pairs; i++) process.stdout.write(`stock bind ${run('stock')}  lean bind ${run('lean')}\n`);
  srv.stdin.end();
}

void main();
