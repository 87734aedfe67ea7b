import { connect, KV } from 'nats';
import { cliPath as defaultCli } from './paths';
import { Proc, spawnProc, startNats } from '../src/dev/processes';
import { sampleUsage, selfSample, usageBetween } from './proc-usage';
import { createBuckets, encodeJson } from '../src/registry/kv';
import { Buckets } from '../src/registry/names';
import { endpointRecord, type EndpointRecord } from '../src/registry/records';

/**
 * Discovery at scale: N simulated providers heartbeat into the endpoints bucket (one put each per
 * second, spread over the second, as N real sidecars would), and one real consumer sidecar
 * watches them all. Measures the watching sidecar's CPU (and nats-server's, and the simulator's)
 * over a window, for each N. Usage:
 *   node dist/bench/discovery-scale.js [--providers 0,100,1000] [--seconds 20] [--services 50] [--cli bin/transmesh]
 * `--cli` measures another build of the CLI (e.g. an older commit's) on the same simulation.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
}

function record(i: number, services: number): EndpointRecord {
  const instance = `sim-${String(i).padStart(5, '0')}`;
  return endpointRecord.parse({ instance, app: `sim-app-${i % services}`, address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:15006`, services: [{ name: `sim.v1.Service${i % services}`, protocol: 'grpc' }] });
}

/** Puts every record once per second, in small batches spread over the second. */
function heartbeat(kv: KV, records: EndpointRecord[]): { stop: () => Promise<void>; failures: () => number } {
  const payloads = records.map((r) => encodeJson(r));
  const slots = 20;
  let slot = 0;
  let failures = 0;
  const pending = new Set<Promise<unknown>>();
  const timer = setInterval(() => {
    for (let i = slot; i < records.length; i += slots) {
      const p = kv.put(records[i].instance, payloads[i]).catch(() => failures++);
      pending.add(p);
      void p.finally(() => pending.delete(p));
    }
    slot = (slot + 1) % slots;
  }, 1000 / slots);
  return {
    stop: async () => {
      clearInterval(timer);
      await Promise.all(pending);
    },
    failures: () => failures,
  };
}

async function main(): Promise<void> {
  const counts = arg('--providers', '0,100,1000').split(',').map(Number);
  const seconds = Number(arg('--seconds', '20'));
  const services = Number(arg('--services', '50'));
  const cli = arg('--cli', defaultCli);
  const progress = (m: string) => process.stderr.write(`[discovery-scale] ${m}\n`);
  const rows: Array<Record<string, string | number>> = [];

  for (const n of counts) {
    const nats = await startNats();
    const nc = await connect({ servers: nats.url });
    let sidecar: Proc | undefined;
    try {
      // What a control plane does at start: the sidecar only binds to the buckets.
      const kv = (await createBuckets(nc.jetstream())).get(Buckets.endpoints)!;
      const records = Array.from({ length: n }, (_, i) => record(i, services));
      const beats = heartbeat(kv, records);
      await sleep(1500);
      sidecar = spawnProc('sidecar', process.execPath, [cli, 'sidecar', '--nats', nats.url, '--app', 'watcher', '--listen', '127.0.0.1:0', '--inbound', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--advertise', '127.0.0.1'], { env: { TRANSMESH_LOG_LEVEL: 'info' } });
      await sidecar.waitForMsg('sidecar ready');
      // A watcher that cannot keep up never shows all N at once: that is measured too, not an error.
      if (n) await sidecar.waitFor((l) => l.msg === 'endpoints snapshot' && Array.isArray(l.endpoints) && l.endpoints.length === n, `${n} endpoints`, 30000).catch(() => undefined);
      // Let start-up work (first snapshot, JIT) settle before measuring the steady state.
      await sleep(3000);
      const sizes: number[] = [];
      let resyncs = 0;
      sidecar.listeners.push((l) => {
        if (l.msg === 'endpoints snapshot') sizes.push((l.endpoints as unknown[]).length);
        if (l.msg === 'watching discovery again') resyncs++;
      });
      const before = { side: sampleUsage(sidecar.pid), nats: sampleUsage(nats.proc.pid), self: selfSample() };
      progress(`${n} providers: measuring ${seconds} s`);
      await sleep(seconds * 1000);
      const after = { side: sampleUsage(sidecar.pid), nats: sampleUsage(nats.proc.pid), self: selfSample() };
      const snapshots = sizes.length;
      const last = sidecar.lines.filter((l) => l.msg === 'endpoints snapshot').at(-1);
      const shown = snapshots ? `${Math.min(...sizes)}-${Math.max(...sizes)}` : String((last?.endpoints as unknown[] | undefined)?.length ?? 0);
      await beats.stop();
      const side = usageBetween(before.side, after.side);
      rows.push({
        providers: n,
        'heartbeats/s': n,
        'sidecar CPU % of a core': +(side.cpuPerSecond * 100).toFixed(1),
        'sidecar RSS MB': Math.round(side.rssMb),
        'snapshots rebuilt': snapshots,
        'endpoints shown': shown,
        'nats-server CPU %': +(usageBetween(before.nats, after.nats).cpuPerSecond * 100).toFixed(1),
        'simulator CPU %': +(usageBetween(before.self, after.self).cpuPerSecond * 100).toFixed(1),
        'failed puts': beats.failures(),
        'watch re-creations': resyncs,
      });
    } finally {
      await sidecar?.stop();
      await nc.close();
      await nats.stop();
    }
  }
  const head = Object.keys(rows[0] ?? {});
  const lines = [head, ...rows.map((r) => head.map((h) => String(r[h])))];
  const widths = head.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  process.stdout.write(`${lines.map((l) => l.map((c, i) => c.padStart(widths[i])).join('  ')).join('\n')}\n`);
  process.stdout.write(`${JSON.stringify({ cli, seconds, services, rows })}\n`);
}

main().catch((err) => {
  process.stderr.write(`discovery-scale: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
