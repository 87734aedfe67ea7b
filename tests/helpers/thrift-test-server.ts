import { ChildProcess, spawn } from 'node:child_process';
import { repoRoot } from '../../src/config/repo-root';
import { EventEmitter, once } from 'node:events';
import * as path from 'node:path';
import { createInterface } from 'node:readline';

const SCRIPT = path.join(repoRoot, 'tests/fixtures/thrift/test-server.js');

export interface ThriftTestServerOptions {
  readonly transport?: 'framed' | 'buffered';
  readonly protocol?: 'binary' | 'compact';
}

export interface ThriftTestServer {
  readonly port: number;
  /** `thrift://127.0.0.1:<port>` with the transport and protocol options it was started with. */
  readonly url: string;
  /** Ids received by the oneway `touch` so far, in order. */
  readonly touched: bigint[];
  /** Resolves with the id of the next `touch` the server receives. */
  nextTouch(): Promise<bigint>;
  close(): Promise<void>;
}

/**
 * Starts the shop.Catalog test service (tests/fixtures/thrift/shop.thrift) on Apache Thrift's
 * Node server, in a child process, on a free loopback port. See test-server.js for its behaviour.
 */
export async function startThriftTestServer(opts: ThriftTestServerOptions = {}): Promise<ThriftTestServer> {
  const transport = opts.transport ?? 'framed';
  const protocol = opts.protocol ?? 'binary';
  const child: ChildProcess = spawn(process.execPath, [SCRIPT, '--transport', transport, '--protocol', protocol], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const events = new EventEmitter();
  const touched: bigint[] = [];
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    if (!line.startsWith("{")) return; // Apache thrift logs warnings on stdout
    const msg = JSON.parse(line) as { port?: number; touch?: string };
    if (msg.port !== undefined) events.emit('port', msg.port);
    if (msg.touch !== undefined) {
      const id = BigInt(msg.touch);
      touched.push(id);
      events.emit('touch', id);
    }
  });
  const exited = once(child, 'exit');
  const [port] = (await Promise.race([
    once(events, 'port'),
    exited.then(([code]) => {
      throw new Error(`thrift test server exited with ${code} before listening`);
    }),
  ])) as [number];
  const query = [transport !== 'framed' ? `transport=${transport}` : '', protocol !== 'binary' ? `protocol=${protocol}` : ''].filter(Boolean).join('&');
  return {
    port,
    url: `thrift://127.0.0.1:${port}${query ? `?${query}` : ''}`,
    touched,
    nextTouch: () => once(events, 'touch').then(([id]) => id as bigint),
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
