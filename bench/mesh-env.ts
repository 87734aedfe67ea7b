import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpPost } from './clients/http-client';
import { benchProto, benchService, cliPath, grpcProviderScript, thriftFixtures, thriftServerScript, thriftService } from './paths';
import { Proc, runToEnd, spawnProc as spawn, startNats } from '../src/dev/processes';

/**
 * The whole mesh as real processes: nats-server, the control plane, a grpc-js provider, an
 * Apache Thrift provider, the provider sidecar fronting both and the consumer (app) sidecar.
 * Production timings (1 s heartbeats): the sidecars' CPU is measured, so no test-speed heartbeats.
 */
export interface MeshEnv {
  readonly natsUrl: string;
  /** http://127.0.0.1:<port> of the consumer sidecar's app listener. */
  readonly consumerUrl: string;
  readonly grpcPort: number;
  readonly thriftPort: number;
  readonly consumer: Proc;
  readonly provider: Proc;
  readonly grpcProvider: Proc;
  readonly thriftProvider: Proc;
  /** What the peer hop between the sidecars runs: `mTLS` on a mesh with a CA. */
  readonly peerHop: 'plain' | 'mTLS';
  /** Environment a further `bench-app` sidecar needs to join (its token on a CA mesh). */
  readonly appEnv: Record<string, string>;
  /** nats-server and the control plane: off the call's path, but access-log batches and exports land there. */
  readonly background: Record<string, number>;
  stop(): Promise<void>;
}

export interface MeshOptions {
  /** Directory for `--cpu-prof` profiles of both sidecars; no profiling when undefined. */
  readonly profileDir?: string;
  /** Extra node flags for both sidecars. */
  readonly nodeFlags?: string[];
  /** A mesh with a CA (`ca init`, control plane `--ca`, sidecars joining with tokens): mTLS on the peer hop. */
  readonly ca?: boolean;
}

/** The provider sidecar's labels, so that a policy's subsets can select it (bench/feature-runs.ts). */
export const providerLabels = ['version=v1'];

/** stdin is a pipe so that helpers which exit when it closes die with the bench; a short tail of lines only. */
function spawnProc(name: string, cmd: string, args: string[], env?: Record<string, string>): Proc {
  const onLine = process.env.TRANSMESH_BENCH_VERBOSE ? (raw: string) => process.stderr.write(`[${name}] ${raw}\n`) : undefined;
  return spawn(name, cmd, args, { stdin: 'pipe', keepLines: 200, onLine, env });
}

/** How a sidecar process is started: node flags, and for variants another node binary or environment. */
export interface SidecarRuntime {
  readonly nodeFlags?: string[];
  readonly node?: string;
  readonly env?: Record<string, string>;
}

/**
 * The node every Transmesh process of the bench runs on (sidecars, control plane, CLI commands):
 * Node 24 by default (bench/runtime.ts), set once by main before anything starts. Providers and
 * the load generator stay on the bench's own node.
 */
let transmeshNode = process.execPath;
export function runTransmeshOn(node: string): void {
  transmeshNode = node;
}

/** The node the Transmesh processes run on, for peers that measure that runtime's floor (bench/node-relay-peer.ts). */
export function transmeshRuntime(): string {
  return transmeshNode;
}

function cli(name: string, args: string[], rt: SidecarRuntime = {}): Proc {
  return spawnProc(name, rt.node ?? transmeshNode, [...(rt.nodeFlags ?? []), cliPath, ...args], rt.env);
}

async function jsonPort(p: Proc): Promise<number> {
  const line = await p.waitFor((l) => typeof l.port === 'number', `${p.name} to print its port`);
  return line.port as number;
}

/** Runs a CLI command to its end: its stdout (e.g. a token), or an error with what it printed. */
export async function runCli(args: string[]): Promise<string> {
  const r = await runToEnd(transmeshNode, [cliPath, ...args]);
  if (r.code !== 0) throw new Error(`transmesh ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function push(nats: string, args: string[]): Promise<void> {
  await runCli(['idl', 'push', ...args, '--nats', nats]);
}

export async function startSidecar(nats: string, app: string, provide: string[], rt: SidecarRuntime, labels: string[] = []): Promise<{ proc: Proc; url: string; mtls: boolean }> {
  const args = ['sidecar', '--nats', nats, '--app', app, '--listen', '127.0.0.1:0', '--inbound', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--advertise', '127.0.0.1'];
  for (const p of provide) args.push('--provide', p);
  for (const l of labels) args.push('--label', l);
  const proc = cli(`sidecar ${app}`, args, rt);
  const ready = await proc.waitForMsg('sidecar ready');
  return { proc, url: ready.listen as string, mtls: ready.mtls === true };
}

/** Calls until the path answers 200: the consumer learns IDL and endpoints through NATS. */
export async function untilServed(url: string, path: string, body: string): Promise<void> {
  const until = Date.now() + 15000;
  let last = '';
  while (Date.now() < until) {
    const res = await httpPost(url, path, body);
    if (res.status === 200) return;
    last = `${res.status} ${res.text}`;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${path} was not served within 15 s; last answer: ${last}`);
}

export async function startMesh(opts: MeshOptions, probes: { grpc: string; thrift: string }): Promise<MeshEnv> {
  const started: Array<{ stop(): Promise<unknown> }> = [];
  try {
    const nats = await startNats();
    started.push(nats);
    const caDir = opts.ca ? join(mkdtempSync(join(tmpdir(), 'transmesh-bench-ca-')), 'ca') : undefined;
    if (caDir) await runCli(['ca', 'init', '--out', caDir]);
    const cp = cli('control-plane', ['control-plane', '--nats', nats.url, '--admin', '127.0.0.1:0', ...(caDir ? ['--ca', caDir] : [])]);
    started.push(cp);
    await cp.waitForMsg('control plane ready');
    await push(nats.url, [benchProto, '-I', join(benchProto, '..')]);
    await push(nats.url, [join(thriftFixtures, 'shop.thrift'), '-I', thriftFixtures]);

    const grpcProvider = spawnProc('grpc provider', process.execPath, [grpcProviderScript]);
    started.push(grpcProvider);
    const thriftProvider = spawnProc('thrift provider', process.execPath, [thriftServerScript, '--transport', 'framed', '--protocol', 'binary']);
    started.push(thriftProvider);
    const [grpcPort, thriftPort] = await Promise.all([jsonPort(grpcProvider), jsonPort(thriftProvider)]);

    // Node refuses --cpu-prof in NODE_OPTIONS: it goes on the command line.
    const nodeFlags: string[] = [...(opts.nodeFlags ?? [])];
    if (opts.profileDir) {
      mkdirSync(opts.profileDir, { recursive: true });
      nodeFlags.push('--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`);
    }
    const joinEnv = async (app: string): Promise<Record<string, string>> => (caDir ? { TRANSMESH_TOKEN: (await runCli(['token', 'create', '--app', app, '--ca', caDir])).trim() } : {});
    const appEnv = await joinEnv('bench-app');
    const provider = await startSidecar(nats.url, 'bench-provider', [`${benchService}=grpc://127.0.0.1:${grpcPort}`, `${thriftService}=thrift://127.0.0.1:${thriftPort}`], { nodeFlags, env: await joinEnv('bench-provider') }, providerLabels);
    started.push(provider.proc);
    const consumer = await startSidecar(nats.url, 'bench-app', [], { nodeFlags, env: appEnv });
    started.push(consumer.proc);
    // The hop the tables name is the one the sidecars say they run, not the one asked for.
    if (provider.mtls !== !!caDir || consumer.mtls !== !!caDir) throw new Error(`asked for ${caDir ? 'mTLS' : 'plain'} but the sidecars report mtls ${provider.mtls}/${consumer.mtls}`);
    await untilServed(consumer.url, `/${benchService}/Put`, probes.grpc);
    await untilServed(consumer.url, `/${thriftService}/put`, probes.thrift);

    return {
      natsUrl: nats.url,
      consumerUrl: consumer.url,
      grpcPort,
      thriftPort,
      consumer: consumer.proc,
      provider: provider.proc,
      grpcProvider,
      thriftProvider,
      peerHop: caDir ? 'mTLS' : 'plain',
      appEnv,
      background: { natsServer: nats.proc.pid, controlPlane: cp.pid },
      stop: async () => {
        // Sidecars first (SIGTERM drains; a profiled sidecar writes its profile on exit).
        await Promise.all([consumer.proc.stop(), provider.proc.stop()]);
        await Promise.all([grpcProvider.stop(), thriftProvider.stop(), cp.stop()]);
        await nats.stop();
      },
    };
  } catch (err) {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
    throw err;
  }
}
