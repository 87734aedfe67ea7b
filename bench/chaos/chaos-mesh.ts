import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchProto, benchService, cliPath, grpcProviderScript } from '../paths';
import { Proc, spawnProc } from '../../src/dev/processes';
import { NatsCluster } from './nats-cluster';

/** Every mesh process gets the whole seed list and R3 buckets, as on a production cluster. */
const meshEnv = { TRANSMESH_KV_REPLICAS: '3' };

export const chaosPath = `/${benchService}/Put`;

interface Provider {
  service: Proc;
  sidecar: Proc;
}

/**
 * The mesh of a chaos run as real processes: a NATS cluster, control-plane replicas, provider
 * sidecars each in front of its own gRPC echo provider (bench/grpc-provider.ts --name, so a reply
 * says who served it), and one consumer sidecar. Production discovery timings unless `env` says.
 */
export class ChaosMesh {
  readonly controlPlanes: Array<Proc | undefined> = [];
  readonly providers = new Map<string, Provider>();
  consumer!: { proc: Proc; url: string };

  private constructor(
    readonly cluster: NatsCluster,
    private readonly env: Record<string, string>,
  ) {}

  static async start(opts: { controlPlanes: number; providers: string[]; env?: Record<string, string> }): Promise<ChaosMesh> {
    const mesh = new ChaosMesh(await NatsCluster.start(3), { ...meshEnv, ...opts.env });
    try {
      for (let i = 0; i < opts.controlPlanes; i++) await mesh.startControlPlane(i);
      const push = await mesh.push();
      if (push.code !== 0) throw new Error(`the first push failed: ${push.output}`);
      for (const name of opts.providers) await mesh.startProvider(name);
      const consumer = mesh.cli('consumer', ['sidecar', '--nats', mesh.cluster.urls, '--app', 'chaos-app', ...mesh.loopbackFlags()]);
      mesh.consumer = { proc: consumer, url: String((await consumer.waitForMsg('sidecar ready')).listen) };
      await consumer.waitFor((l) => l.msg === 'endpoints snapshot' && l.endpoints.length === opts.providers.length, 'every provider in discovery');
      return mesh;
    } catch (err) {
      await mesh.close();
      throw err;
    }
  }

  async startControlPlane(i: number): Promise<void> {
    const cp = this.cli(`control plane ${i + 1}`, ['control-plane', '--nats', this.cluster.urls, '--admin', '127.0.0.1:0']);
    this.controlPlanes[i] = cp;
    await cp.waitForMsg('control plane ready');
  }

  async stopControlPlane(i: number, signal: NodeJS.Signals): Promise<void> {
    await this.controlPlanes[i]?.stop(signal);
    this.controlPlanes[i] = undefined;
  }

  async startProvider(name: string): Promise<void> {
    const service = spawnProc(`provider ${name}`, process.execPath, [grpcProviderScript, '--name', name], { stdin: 'pipe' });
    const port = Number((await service.waitFor((l) => typeof l.port === 'number', `${name} to bind`)).port);
    const sidecar = this.cli(`sidecar ${name}`, ['sidecar', '--nats', this.cluster.urls, '--app', `echo-${name}`, '--provide', `${benchService}=grpc://127.0.0.1:${port}`, ...this.loopbackFlags()]);
    this.providers.set(name, { service, sidecar });
    await sidecar.waitForMsg('sidecar ready');
  }

  /** Stops a provider's sidecar (SIGKILL: no drain) and then its service. */
  async stopProvider(name: string, signal: NodeJS.Signals): Promise<void> {
    const p = this.providers.get(name);
    if (!p) return;
    await p.sidecar.stop(signal);
    await p.service.stop();
    this.providers.delete(name);
  }

  /** `transmesh idl push` of the bench IDL, as an operator would. */
  async push(): Promise<{ code: number | null; output: string }> {
    const p = this.cli('idl push', ['idl', 'push', benchProto, '-I', join(benchProto, '..'), '--nats', this.cluster.urls]);
    const code = await p.exited;
    return { code, output: p.lines.map((l) => String(l.msg ?? JSON.stringify(l))).join('\n') };
  }

  /**
   * `transmesh policy apply` of a small policy for the bench service (timeout, least-loaded,
   * never-sent retries, breaker): it returns once every live sidecar runs the new revision.
   */
  async applyPolicy(revisionNote: string): Promise<{ code: number | null; output: string }> {
    const file = join(mkdtempSync(join(tmpdir(), 'transmesh-chaos-policy-')), 'bench.yaml');
    writeFileSync(file, `# ${revisionNote}\nservice: ${benchService}\ndefaults:\n  timeout: 5s\n  balance: least-loaded\n  breaker: {consecutiveFailures: 5, ejectFor: 10s, maxEjected: 50%}\n`);
    const p = this.cli('policy apply', ['policy', 'apply', file, '--wait-timeout', '30s', '--nats', this.cluster.urls]);
    const code = await p.exited;
    return { code, output: p.lines.map((l) => String(l.msg ?? JSON.stringify(l))).join('\n') };
  }

  async close(): Promise<void> {
    await this.consumer?.proc.stop();
    await Promise.all([...this.providers.keys()].map((n) => this.stopProvider(n, 'SIGTERM')));
    await Promise.all(this.controlPlanes.map((cp) => cp?.stop()));
    await this.cluster.close();
  }

  private cli(name: string, args: string[]): Proc {
    return spawnProc(name, process.execPath, [cliPath, ...args], { env: this.env });
  }

  private loopbackFlags(): string[] {
    return ['--listen', '127.0.0.1:0', '--inbound', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--advertise', '127.0.0.1'];
  }
}
