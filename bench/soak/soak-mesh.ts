import { appendFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devCa } from '../../src/dev/dev-ca';
import { freePort, Proc, runToEnd, spawnProc } from '../../src/dev/processes';
import { natsServerBinary } from '../../src/dev/nats-binary';
import { sidecarNodeFlags } from '../../src/config/node-flags';
import { repoRoot } from '../paths';

export const usersService = 'acme.users.v1.UserService';
export const ordersService = 'orders.OrderService';
const jar = join(repoRoot, 'examples-java', 'target', 'transmesh-examples.jar');
/** The CLI of the build this file belongs to, so a soak keeps running one build while the tree is rebuilt. */
const cliMain = join(__dirname, '..', '..', 'src', 'cli', 'main.js');
const local = ['--listen', '127.0.0.1:0', '--inbound', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--advertise', '127.0.0.1'];
/** A long run must not keep every log line in this process. */
const keepLines = 200;

/** One process of the mesh, as the sampler sees it. */
export interface MeshProc {
  readonly role: string;
  proc: Proc;
  /** http://host:port of its admin listener (Transmesh processes): /metrics has heap and event-loop lag. */
  admin?: string;
  /** Restarted on purpose during the run: its series restart too, so no slope is judged. */
  restarted: number;
  /** ws:// of its inspector (Transmesh processes run with --inspect=127.0.0.1:0): the heap after a full GC. */
  inspector?: string;
}

/**
 * The soak's mesh, all real processes as in `npm run demo`: a nats-server with its monitoring
 * port (consumers, connections), a control plane with a CA whose certificates live `certTtl`
 * (renewed at half life), the Java example providers (gRPC users, Thrift orders), a provider
 * sidecar in front of each, the consumer sidecar of `php-app`, the example IDL and a policy.
 */
export class SoakMesh {
  readonly procs = new Map<string, MeshProc>();
  natsUrl = '';
  monitorUrl = '';
  /** nats-server's Go profiling endpoint (`--profile`): runtime heap and goroutines. */
  profileUrl = '';
  consumerUrl = '';
  /** Certificate renewals and error-level log lines seen, per role. */
  readonly renewals = new Map<string, number>();
  readonly errorLines = new Map<string, string[]>();
  private readonly dir = mkdtempSync(join(tmpdir(), 'transmesh-soak-'));
  private ca!: Awaited<ReturnType<typeof devCa>>;
  private usersPort = 0;
  private readonly sidecarFlags = new Map<string, string[]>();
  private pushes = 0;
  private applies = 0;

  constructor(private readonly certTtl: string) {}

  async start(progress: (m: string) => void): Promise<void> {
    const [port, monitor, profile] = [await freePort(), await freePort(), await freePort()];
    const natsArgs = ['-js', '-sd', join(this.dir, 'js'), '-a', '127.0.0.1', '-p', String(port), '-m', String(monitor), '--profile', String(profile)];
    const nats = spawnProc('nats-server', natsServerBinary(), natsArgs, { keepLines });
    this.add('nats-server', nats);
    await nats.waitFor((l) => /Server is ready/.test(l.msg), 'nats-server ready');
    this.natsUrl = `nats://127.0.0.1:${port}`;
    this.monitorUrl = `http://127.0.0.1:${monitor}`;
    this.profileUrl = `http://127.0.0.1:${profile}`;
    this.ca = await devCa();
    const cp = this.cli('control-plane', ['control-plane', '--nats', this.natsUrl, '--admin', '127.0.0.1:0', '--ca', this.ca.dir], { TRANSMESH_CERT_TTL: this.certTtl });
    this.procs.get('control-plane')!.admin = String((await cp.waitForMsg('control plane ready')).admin);
    await this.inspectorOf('control-plane');
    progress('NATS, control plane (CA) up; starting the Java providers');
    this.usersPort = await this.startJava('java users', 'users', 0);
    const ordersPort = await this.startJava('java orders', 'orders', 0);
    await this.pushIdl();
    await this.startSidecar('users-service', ['--label', 'version=v1', '--provide', `${usersService}=grpc://127.0.0.1:${this.usersPort}`]);
    await this.startSidecar('orders-service', ['--provide', `${ordersService}=thrift://127.0.0.1:${ordersPort}`]);
    const consumer = await this.startSidecar('php-app', []);
    this.consumerUrl = String(consumer.listen);
    await this.applyPolicy();
    progress('mesh up: 2 providers, 3 sidecars, IDL and policy in force');
  }

  /** `idl push` of the example IDL, the Thrift file with one more comment line each time, so every push is a new version. */
  async pushIdl(): Promise<void> {
    const idl = join(this.dir, 'idl');
    if (this.pushes === 0) cpSync(join(repoRoot, 'idl'), idl, { recursive: true });
    const proto = join(idl, 'acme', 'users', 'v1', 'users.proto');
    const thrift = join(idl, 'orders.thrift');
    appendFileSync(thrift, `// soak push ${++this.pushes}\n`);
    await this.run(['idl', 'push', proto, thrift, '-I', idl]);
  }

  /**
   * `policy apply` of the users service's policy (the demo's, with a quota for php-app and a
   * GetUser timeout that alternates), so every apply is a new revision all sidecars confirm.
   */
  async applyPolicy(): Promise<void> {
    const file = join(this.dir, 'users-policy.yaml');
    const n = ++this.applies;
    writeFileSync(
      file,
      `# soak apply ${n}\nservice: ${usersService}\nsubsets:\n  v1: {version: v1}\ndefaults:\n  timeout: 5s\n  retry: {attempts: 3, on: [UNAVAILABLE]}\n` +
        `  breaker: {consecutiveFailures: 5, ejectFor: 10s}\nmethods:\n  GetUser: {timeout: ${n % 2 ? 2 : 3}s}\nroutes:\n  - to: {v1: 100}\n` +
        `quotas:\n  - {caller: php-app, limit: 1000000, per: minute}\n`,
    );
    await this.run(['policy', 'apply', file, '--wait-timeout', '30s']);
  }

  /** Stops a sidecar (SIGTERM: it drains) and starts it again with the same flags. */
  async restartSidecar(role: string): Promise<void> {
    const p = this.procs.get(role)!;
    await p.proc.stop();
    await this.startSidecar(role, this.sidecarFlags.get(role)!);
    this.procs.get(role)!.restarted = p.restarted + 1;
  }

  /** Stops the Java users provider and starts it on the same port, so its sidecar's upstream comes back. */
  async restartUsersProvider(): Promise<void> {
    const p = this.procs.get('java users')!;
    await p.proc.stop();
    await this.startJava('java users', 'users', this.usersPort);
    this.procs.get('java users')!.restarted = p.restarted + 1;
  }

  get counts(): { pushes: number; applies: number } {
    return { pushes: this.pushes, applies: this.applies };
  }

  async stop(): Promise<void> {
    for (const role of ['php-app', 'orders-service', 'users-service', 'java users', 'java orders', 'control-plane', 'nats-server']) await this.procs.get(role)?.proc.stop();
    this.ca?.remove();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async startSidecar(app: string, extra: string[]): Promise<Record<string, unknown>> {
    this.sidecarFlags.set(app, extra);
    const p = this.cli(app, ['sidecar', '--app', app, '--nats', this.natsUrl, ...this.ca.joinArgs(app), ...local, ...extra], {}, sidecarNodeFlags());
    const ready = await p.waitForMsg('sidecar ready', 60_000);
    this.procs.get(app)!.admin = String(ready.admin);
    await this.inspectorOf(app);
    return ready;
  }

  private async startJava(role: string, which: string, port: number): Promise<number> {
    const p = spawnProc(role, 'java', ['-jar', jar, which, '--port', String(port), '--host', '127.0.0.1'], { keepLines });
    this.add(role, p);
    const line = await p.waitFor((l) => /^listening on \d+$/.test(String(l.msg)), `${role} to listen`, 60_000);
    return Number(/(\d+)$/.exec(String(line.msg))![1]);
  }

  private async inspectorOf(role: string): Promise<void> {
    const m = this.procs.get(role)!;
    const line = await m.proc.waitFor((l) => /^Debugger listening on ws:\/\//.test(String(l.msg)), `${role}'s inspector`);
    m.inspector = /(ws:\/\/\S+)/.exec(String(line.msg))![1];
  }

  private cli(role: string, args: string[], env: Record<string, string> = {}, nodeFlags: string[] = []): Proc {
    const p = spawnProc(role, process.execPath, ['--inspect=127.0.0.1:0', ...nodeFlags, cliMain, ...args], { env, keepLines });
    this.add(role, p);
    return p;
  }

  private add(role: string, proc: Proc): void {
    const prev = this.procs.get(role);
    this.procs.set(role, { role, proc, restarted: prev?.restarted ?? 0 });
    proc.listeners.push((l) => {
      if (l.msg === 'mesh certificate renewed') this.renewals.set(role, (this.renewals.get(role) ?? 0) + 1);
      if (typeof l.level === 'number' && l.level >= 50) {
        const list = this.errorLines.get(role) ?? [];
        if (list.length < 20) list.push(String(l.msg));
        this.errorLines.set(role, list);
      }
    });
  }

  private async run(args: string[]): Promise<void> {
    const res = await runToEnd(process.execPath, [cliMain, ...args, '--nats', this.natsUrl]);
    if (res.code !== 0) throw new Error(`transmesh ${args.slice(0, 2).join(' ')} failed (${res.code}): ${res.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
}
