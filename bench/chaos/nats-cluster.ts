import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { natsServerBinary } from '../../src/dev/nats-binary';
import { freePort, Proc, spawnProc } from '../../src/dev/processes';

export { freePort };

interface Node {
  name: string;
  clientPort: number;
  config: string;
  proc: Proc | undefined;
}

/**
 * A NATS cluster with JetStream on loopback, one config file per node (the same shape as the
 * production files in docs/operations.md), on ports fixed at start so a node restarts where it was.
 */
export class NatsCluster {
  private constructor(
    private readonly dir: string,
    private readonly nodes: Node[],
  ) {}

  static async start(size = 3): Promise<NatsCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'transmesh-cluster-'));
    const ports = await Promise.all(Array.from({ length: size * 2 }, () => freePort()));
    const routes = Array.from({ length: size }, (_, i) => `nats-route://127.0.0.1:${ports[size + i]}`);
    const nodes: Node[] = Array.from({ length: size }, (_, i) => {
      const name = `n${i + 1}`;
      const store = join(dir, name);
      mkdirSync(store);
      const config = join(dir, `${name}.conf`);
      writeFileSync(
        config,
        [
          `server_name: ${name}`,
          `listen: 127.0.0.1:${ports[i]}`,
          `jetstream { store_dir: "${store}" }`,
          `cluster { name: transmesh, listen: 127.0.0.1:${ports[size + i]}, routes: [${routes.join(', ')}] }`,
          '',
        ].join('\n'),
      );
      return { name, clientPort: ports[i], config, proc: undefined };
    });
    const cluster = new NatsCluster(dir, nodes);
    await Promise.all(nodes.map((_, i) => cluster.restart(i)));
    await cluster.untilJetStream();
    return cluster;
  }

  get size(): number {
    return this.nodes.length;
  }

  /** Every node's client URL, comma-separated: what --nats takes. */
  get urls(): string {
    return this.nodes.map((n) => `nats://127.0.0.1:${n.clientPort}`).join(',');
  }

  name(i: number): string {
    return this.nodes[i].name;
  }

  indexOf(name: string): number {
    return this.nodes.findIndex((n) => n.name === name);
  }

  async stop(i: number, signal: NodeJS.Signals): Promise<void> {
    await this.nodes[i].proc?.stop(signal);
    this.nodes[i].proc = undefined;
  }

  async restart(i: number): Promise<void> {
    const n = this.nodes[i];
    n.proc = spawnProc(`nats ${n.name}`, natsServerBinary(), ['-c', n.config]);
    await n.proc.waitFor((l) => /Server is ready/.test(String(l.msg)), `${n.name} ready`);
  }

  /** Waits until JetStream answers through the cluster (a metadata leader is elected). */
  async untilJetStream(timeoutMs = 30000): Promise<void> {
    const nc = await connect({ servers: this.urls.split(','), maxReconnectAttempts: -1 });
    try {
      const until = Date.now() + timeoutMs;
      for (;;) {
        try {
          const jsm = await nc.jetstreamManager({ timeout: 2000 });
          await jsm.getAccountInfo();
          return;
        } catch (err) {
          if (Date.now() > until) throw err;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    } finally {
      await nc.close();
    }
  }

  /** Waits until every replica of the streams is back and current (a restarted node caught up). */
  async untilCurrent(streams: string[], timeoutMs = 60000): Promise<void> {
    const nc = await connect({ servers: this.urls.split(','), maxReconnectAttempts: -1 });
    try {
      const until = Date.now() + timeoutMs;
      for (;;) {
        let ok = true;
        try {
          const jsm = await nc.jetstreamManager({ timeout: 2000 });
          for (const s of streams) {
            const c = (await jsm.streams.info(s)).cluster;
            if (!c?.leader || (c.replicas ?? []).length !== this.size - 1 || c.replicas!.some((r) => !r.current || r.offline)) ok = false;
          }
        } catch {
          ok = false;
        }
        if (ok) return;
        if (Date.now() > until) throw new Error(`streams ${streams.join(', ')} not current after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 250));
      }
    } finally {
      await nc.close();
    }
  }

  /** The node leading a stream's Raft group (a KV bucket is stream KV_<bucket>). */
  async streamLeader(stream: string): Promise<string | undefined> {
    const nc = await connect({ servers: this.urls.split(','), maxReconnectAttempts: -1 });
    try {
      const jsm = await nc.jetstreamManager({ timeout: 5000 });
      return (await jsm.streams.info(stream)).cluster?.leader;
    } finally {
      await nc.close();
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.proc?.stop('SIGTERM')));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
