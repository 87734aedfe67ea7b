import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Buckets } from '../../src/registry/names';
import { resultsDir } from '../paths';
import { itemJson } from '../payload';
import { ChaosMesh, chaosPath } from './chaos-mesh';
import { Traffic } from './traffic';

/**
 * `npm run chaos`: a 3-node NATS cluster on loopback, two control planes, two provider sidecars
 * and a consumer sidecar under steady traffic, while NATS nodes are killed (SIGKILL), stopped
 * (SIGTERM) and restarted one by one, a control plane is killed during a push, a provider sidecar
 * is killed, IDL is pushed and a provider started with a node down. Prints one row per fault.
 * Goal: zero failed calls for every NATS fault; a killed provider costs at most its calls in flight.
 */

interface Row {
  fault: string;
  calls: number;
  failed: number;
  /** ms from a new provider's sidecar being ready to the first call it served. */
  newProviderMs?: number;
  note: string;
}

const streams = [`KV_${Buckets.idl}`, `KV_${Buckets.endpoints}`];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const downMs = Number(valueOf(args, '--down-ms') ?? 5000);
  const rate = Number(valueOf(args, '--rate') ?? 50);
  const t0 = Date.now();
  const progress = (m: string) => process.stderr.write(`[chaos ${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}\n`);

  progress('starting a 3-node NATS cluster, 2 control planes, providers P1 and P2, a consumer sidecar');
  const mesh = await ChaosMesh.start({ controlPlanes: 2, providers: ['P1', 'P2'] });
  const traffic = new Traffic(mesh.consumer.url, chaosPath, itemJson(), rate);
  const rows: Row[] = [];
  let providerNo = 2;

  /** Runs a fault and records the calls started from its first step to `settleMs` after its last. */
  const fault = async (name: string, action: () => Promise<Partial<Row> | void>, settleMs = 2000) => {
    progress(name);
    const from = traffic.now();
    const extra = (await action()) ?? {};
    await sleep(settleMs);
    const w = await traffic.window(from, traffic.now());
    const row: Row = { fault: name, calls: w.calls, failed: w.failed, note: '', ...extra };
    if (w.errors.length) row.note = [row.note, ...w.errors].filter(Boolean).join('; ');
    rows.push(row);
    await mesh.cluster.untilCurrent(streams);
  };
  const newProvider = async (): Promise<Partial<Row>> => {
    const name = `P${++providerNo}`;
    await mesh.startProvider(name);
    const ready = traffic.now();
    const at = await traffic.reached(name, ready, 30000);
    return at === undefined ? { note: `${name} got no traffic within 30 s` } : { newProviderMs: Math.max(0, Math.round(at - ready)) };
  };

  try {
    traffic.start();
    await fault('baseline (no fault)', async () => {
      await sleep(downMs);
    });
    for (let i = 0; i < mesh.cluster.size; i++) {
      for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
        await fault(`${signal} nats ${mesh.cluster.name(i)}, restart`, async () => {
          await mesh.cluster.stop(i, signal);
          await sleep(downMs);
          await mesh.cluster.restart(i);
        });
      }
    }
    await fault('SIGKILL control plane 1 during a push', async () => {
      const push = mesh.push();
      await sleep(350);
      await mesh.stopControlPlane(0, 'SIGKILL');
      const res = await push;
      await mesh.startControlPlane(0);
      return { note: res.code === 0 ? `push ok: ${/version \d+/.exec(res.output)?.[0]}` : `push failed (${res.code}): ${res.output.split('\n')[0]}` };
    });
    await fault('SIGKILL provider sidecar P1; start a new provider', async () => {
      await mesh.stopProvider('P1', 'SIGKILL');
      return newProvider();
    });
    const idlLeader = mesh.cluster.indexOf((await mesh.cluster.streamLeader(`KV_${Buckets.idl}`)) ?? 'n1');
    await fault(`push IDL with nats ${mesh.cluster.name(idlLeader)} (registry leader) down`, async () => {
      await mesh.cluster.stop(idlLeader, 'SIGKILL');
      const res = await mesh.push();
      await mesh.cluster.restart(idlLeader);
      return { note: res.code === 0 ? `push ok: ${/version \d+/.exec(res.output)?.[0]}` : `push failed (${res.code}): ${res.output.split('\n')[0]}` };
    });
    const policyLeader = mesh.cluster.indexOf((await mesh.cluster.streamLeader(`KV_${Buckets.policy}`)) ?? 'n1');
    await fault(`apply a policy with nats ${mesh.cluster.name(policyLeader)} (policy leader) down`, async () => {
      await mesh.cluster.stop(policyLeader, 'SIGKILL');
      const res = await mesh.applyPolicy('applied with a node down');
      await mesh.cluster.restart(policyLeader);
      return { note: res.code === 0 ? `apply ok: ${res.output.split('\n').find((l) => /revision/.test(l)) ?? ''}` : `apply failed (${res.code}): ${res.output.split('\n')[0]}` };
    });
    const epLeader = mesh.cluster.indexOf((await mesh.cluster.streamLeader(`KV_${Buckets.endpoints}`)) ?? 'n1');
    await fault(`start a provider with nats ${mesh.cluster.name(epLeader)} (discovery leader) down`, async () => {
      await mesh.cluster.stop(epLeader, 'SIGKILL');
      const extra = await newProvider();
      await mesh.cluster.restart(epLeader);
      return extra;
    });
  } catch (err) {
    rows.push({ fault: 'the run stopped', calls: 0, failed: 0, note: (err as Error).message.split('\n')[0] });
  } finally {
    await traffic.stop();
    await mesh.close();
  }

  const table = render(rows);
  process.stdout.write(`${table}\n`);
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `chaos-${new Date(t0).toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ date: new Date(t0).toISOString(), rate, downMs, rows }, null, 2));
  progress(`results in ${file}`);
  const natsFailures = rows.filter((r) => /nats|push/.test(r.fault) && !/provider sidecar/.test(r.fault)).reduce((n, r) => n + r.failed, 0);
  return natsFailures === 0 && !rows.some((r) => r.fault === 'the run stopped') ? 0 : 1;
}

function valueOf(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

function render(rows: Row[]): string {
  const head = ['FAULT', 'CALLS', 'FAILED', 'NEW PROVIDER SERVED AFTER', 'NOTE'];
  const cells = rows.map((r) => [r.fault, String(r.calls), String(r.failed), r.newProviderMs === undefined ? '-' : `${r.newProviderMs} ms`, r.note]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  return [head, ...cells].map((c) => c.map((x, i) => x.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`chaos: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
