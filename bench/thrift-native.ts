/**
 * The cost of the native Thrift path (`--thrift-listen`): Apache Thrift's Node client calling
 * shop.Catalog/put (the bench item: 4 children, ~0.7 KB framed binary) straight at the Thrift
 * server, against the same client pointed at a consumer sidecar's `--thrift-listen ADDR=SVC`
 * (through both sidecars: the full outbound stack, the peer hop, the provider sidecar), and,
 * for reference, an HTTP/JSON caller of the same function through the mesh. Alternating windows,
 * closed loop, all processes on this machine (it shares the cores with the load generator).
 * Run: npx tsc -p tsconfig.json && node dist/bench/thrift-native.js [--seconds 5] [--rounds 3] [--in-flight 16]
 */
import { parseArgs } from 'node:util';
import { spawnProc } from '../src/dev/processes';
import { apacheItem, thriftDirectClient } from './clients/thrift-client';
import { httpJsonClient } from './clients/http-client';
import { closedLoop, type CallFn, type WindowResult } from './load';
import { startMesh, untilServed } from './mesh-env';
import { cliPath, thriftGenDir, thriftService } from './paths';
import { BIG_ID, itemJson, thriftArgsJson } from './payload';

async function main() {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' }, 'in-flight': { type: 'string', default: '16' } } });
  const ms = Number(values.seconds) * 1000;
  const rounds = Number(values.rounds);
  const inFlight = Number(values['in-flight']);
  const body = thriftArgsJson(itemJson());
  const env = await startMesh({}, { grpc: itemJson(), thrift: body });
  const native = spawnProc('sidecar bench-native', process.execPath, [cliPath, 'sidecar', '--nats', env.natsUrl, '--app', 'bench-native', '--listen', '127.0.0.1:0', '--inbound', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--advertise', '127.0.0.1', '--thrift-listen', `127.0.0.1:0=${thriftService}`]);
  try {
    const ready = await native.waitForMsg('sidecar ready');
    await untilServed(ready.listen as string, `/${thriftService}/put`, body);
    const listenAt = (ready.thrift as string[])[0];
    const port = Number(listenAt.slice(listenAt.lastIndexOf(':') + 1));
    const item = apacheItem(thriftGenDir, BIG_ID);
    const paths: Array<[string, { call: CallFn; close(): void }]> = [
      ['direct (Apache client → Thrift server)', await thriftDirectClient(thriftGenDir, env.thriftPort, 4, item)],
      ['mesh, native (Apache client → --thrift-listen)', await thriftDirectClient(thriftGenDir, port, 4, item)],
      ['mesh, HTTP/JSON (for reference)', httpJsonClient(ready.listen as string, `/${thriftService}/put`, body, inFlight)],
    ];
    const results = new Map<string, { rate: number[]; p50: number[]; p99: number[]; seqP50: number[] }>();
    for (const [name, client] of paths) {
      results.set(name, { rate: [], p50: [], p99: [], seqP50: [] });
      await closedLoop(client.call, inFlight, 1000); // warm-up
    }
    for (let r = 0; r < rounds; r++) {
      for (const [name, client] of paths) {
        const loaded: WindowResult = await closedLoop(client.call, inFlight, ms);
        const sequential: WindowResult = await closedLoop(client.call, 1, ms / 2);
        if (loaded.errors || sequential.errors) throw new Error(`${name}: ${loaded.firstError ?? sequential.firstError}`);
        const s = results.get(name)!;
        s.rate.push(loaded.rate);
        s.p50.push(loaded.latency.p50Ms);
        s.p99.push(loaded.latency.p99Ms);
        s.seqP50.push(sequential.latency.p50Ms);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    console.log(`shop.Catalog/put, ${rounds} rounds of ${ms / 1000} s, medians; ${inFlight} in flight, and one at a time`);
    console.log('| path | calls/s | p50 ms | p99 ms | p50 ms, one at a time |');
    console.log('|---|---|---|---|---|');
    for (const [name, s] of results) console.log(`| ${name} | ${Math.round(median(s.rate))} | ${median(s.p50).toFixed(2)} | ${median(s.p99).toFixed(2)} | ${median(s.seqP50).toFixed(2)} |`);
    for (const [, client] of paths) client.close();
  } finally {
    await native.stop();
    await env.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
