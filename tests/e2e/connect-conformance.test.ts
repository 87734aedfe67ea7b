import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { runToEnd } from '../../src/dev/processes';
import { Mesh, startMesh } from '../helpers/mesh';
import { repoRoot } from '../helpers/processes';

jest.setTimeout(240_000);

const here = join(repoRoot, 'tests', 'e2e', 'connect-conformance');
const idlDir = join(repoRoot, 'tests', 'fixtures', 'connect-conformance');
const service = 'connectrpc.conformance.v1.ConformanceService';

/** connectconformance and referenceserver v1.0.7, built by scripts/ensure-tools.sh (ensure_connect_conformance). */
function tool(name: string): string {
  const exe = join(process.env.TRANSMESH_TOOLS_BIN ?? join(homedir(), '.cache', 'transmesh', 'bin'), name);
  if (!existsSync(exe)) throw new Error(`no ${name} at ${exe}: run "source scripts/ensure-tools.sh; ensure_connect_conformance"`);
  return exe;
}

/** Connect's reference server, speaking gRPC (h2c) as a provider of the mesh; resolves with its port. */
function startReferenceServer(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(tool('referenceserver'), ['-json'], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin!.end(JSON.stringify({ protocol: 'PROTOCOL_GRPC', httpVersion: 'HTTP_VERSION_2' }));
  return new Promise((resolve, reject) => {
    let text = '';
    child.once('exit', (code) => reject(new Error(`referenceserver exited (${code}) before it said its port`)));
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      try {
        resolve({ child, port: (JSON.parse(text) as { port: number }).port });
      } catch {
        // the JSON is not whole yet
      }
    });
  });
}

/**
 * A Connect caller that sends no connect-timeout-ms must reach the provider with no deadline (the
 * suite checks the server saw none): TRANSMESH_DEFAULT_TIMEOUT_MS at its maximum means none.
 */
const noDefaultDeadline = { TRANSMESH_DEFAULT_TIMEOUT_MS: '2147483647' };

/**
 * The "server under test" the runner starts: it reads the runner's ServerCompatRequest (a u32
 * length and the message), answers with a ServerCompatResponse naming the consumer sidecar's
 * --listen address, and stays up until the runner sends SIGTERM. The mesh itself runs in the test.
 */
const serverUnderTest = `
const port = Number(process.argv[1]);
let got = Buffer.alloc(0), answered = false;
process.stdin.on('data', (d) => {
  got = Buffer.concat([got, d]);
  if (answered || got.length < 4 || got.length < 4 + got.readUInt32BE(0)) return;
  answered = true;
  const host = Buffer.from('127.0.0.1');
  const v = []; let n = port; while (n > 127) { v.push((n & 127) | 128); n >>>= 7; } v.push(n);
  const msg = Buffer.from([0x0a, host.length, ...host, 0x10, ...v]);
  const len = Buffer.alloc(4); len.writeUInt32BE(msg.length);
  process.stdout.write(Buffer.concat([len, msg]));
});
process.on('SIGTERM', () => process.exit(0));
setInterval(() => undefined, 1 << 30);
`;

/**
 * Connect's own conformance suite (connectrpc.com/conformance v1.0.7) against a mesh in front of
 * its reference server: the runner's reference Connect client calls the consumer sidecar, which
 * calls the reference server through the provider sidecar over gRPC. config.yaml limits the run to
 * what the contract promises; known-failing.txt lists, with the reason for each, the cases outside it.
 */
describe('Connect conformance', () => {
  let ref: { child: ChildProcess; port: number };
  let mesh: Mesh;

  beforeAll(async () => {
    ref = await startReferenceServer();
    mesh = await startMesh({ service, idl: [join(idlDir, 'connectrpc/conformance/v1/service.proto'), '-I', idlDir], upstream: `grpc://127.0.0.1:${ref.port}`, providerApp: 'conformance', env: noDefaultDeadline });
  });

  afterAll(async () => {
    await mesh?.stop();
    ref?.child.kill('SIGTERM');
  });

  test('the promised subset passes', async () => {
    const port = new URL(mesh.consumer.url).port;
    const run = await runToEnd(tool('connectconformance'), [
      '--mode', 'server', '--conf', join(here, 'config.yaml'), '--known-failing', `@${join(here, 'known-failing.txt')}`,
      '--parallel', '4', '--max-servers', '1', '--',
      process.execPath, '-e', serverUnderTest, port,
    ]);
    // The runner prints the failing cases and a summary; on success, only the summary.
    if (run.code !== 0) throw new Error(`connectconformance failed (${run.code}):\n${(run.stdout + run.stderr).slice(-20_000)}`);
    expect(run.stdout + run.stderr).toMatch(/Total cases: [1-9]\d*\n[1-9]\d* passed, 0 failed/);
  });
});
