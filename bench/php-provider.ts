import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, Proc } from '../src/dev/processes';
import { startPhpFpm } from '../tests/helpers/php-fpm';
import { loadBenchRoot } from './bench-proto';
import { grpcDirectClient } from './clients/grpc-client';
import { httpJsonClient } from './clients/http-client';
import type { ComparedPath, ComparedWindow } from './compare';
import { runAll } from './extra-runs';
import { MeshEnv, runCli, startSidecar, untilServed } from './mesh-env';
import type { BenchOptions } from './options';
import { benchProto, repoRoot } from './paths';
import { itemForProtobufjs, itemJson } from './payload';
import { Peer, runNginx } from './peers';
import { spread } from './stats';
import type { Goal } from './summary';

/**
 * The PHP provider path (issue 23): a gRPC caller → consumer sidecar → a provider sidecar for a
 * PHP app → PHP-FPM over FastCGI (bench/fixtures/bench-provider.php), against nginx
 * `fastcgi_pass` in front of the same PHP-FPM pool, interleaved. What is compared is the CPU per
 * call of the process in front of PHP-FPM: the provider sidecar (which also converts protobuf to
 * JSON and back) against nginx (which passes HTTP through). PHP-FPM's workers are measured too.
 */

export const PHP_SERVICE = 'bench.v1.BenchPhp';
export const PHP_MESH = 'PHP-FPM via mesh (gRPC caller, 2 sidecars)';
export const PHP_MESH_JSON = 'PHP-FPM via mesh (HTTP/JSON caller, 2 sidecars)';
export const PHP_NGINX = 'PHP-FPM via nginx fastcgi_pass (HTTP/JSON caller)';
const phpPath = `/${PHP_SERVICE}/Put`;
const phpProto = join(repoRoot, 'bench', 'fixtures', 'bench-php.proto');
const phpScript = join(repoRoot, 'bench', 'fixtures', 'bench-provider.php');
/**
 * PHP-FPM keeps a worker on a kept-open connection until the client closes it, and both the
 * sidecar and nginx keep theirs open (FastCGI's keepConn): so each gets a pool of its own, the same
 * configuration started the same way, with more workers than calls in flight, or the connections
 * one client holds idle would starve the other's calls.
 */
const PHP_IN_FLIGHT = 8;
const PHP_WORKERS = 16;

/** A static pool's workers, so that their CPU is counted (summed in the table's last columns): the master's children. */
function fpmWorkers(fpm: Proc): Record<string, number> {
  const kids = readFileSync(`/proc/${fpm.pid}/task/${fpm.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  return Object.fromEntries(kids.map((pid, i) => [`fpm${i + 1}`, pid]));
}

function nginxFastcgi(fpmPort: number): Promise<Peer> {
  const params = { SCRIPT_FILENAME: phpScript, REQUEST_METHOD: '$request_method', CONTENT_TYPE: '$content_type', CONTENT_LENGTH: '$content_length', REQUEST_URI: '$request_uri', QUERY_STRING: '$query_string', SERVER_PROTOCOL: '$server_protocol', GATEWAY_INTERFACE: 'CGI/1.1', REMOTE_ADDR: '$remote_addr', SERVER_NAME: '$server_name', SERVER_PORT: '$server_port' };
  return runNginx('nginx fastcgi_pass', `upstream fpm { server 127.0.0.1:${fpmPort}; keepalive ${PHP_IN_FLIGHT}; }`, (port) =>
    [`    listen 127.0.0.1:${port};`, '    location / {', '      fastcgi_pass fpm;', '      fastcgi_keep_conn on;', ...Object.entries(params).map(([k, v]) => `      fastcgi_param ${k} ${v};`), '    }'].join('\n'),
  );
}

export async function runPhpProvider(env: MeshEnv, opts: BenchOptions, progress: (m: string) => void): Promise<{ windows: ComparedWindow[]; missing: string[] }> {
  const missing: string[] = [];
  const stops: Array<() => Promise<unknown>> = [];
  try {
    const ports = [await freePort(), await freePort()];
    let pools: Proc[];
    try {
      pools = await Promise.all(ports.map((port) => startPhpFpm(`127.0.0.1:${port}`, undefined, PHP_WORKERS)));
    } catch (err) {
      return { windows: [], missing: [`PHP provider rows: ${(err as Error).message}`] };
    }
    for (const pool of pools) stops.push(() => pool.stop());
    const [fpmPort, nginxFpmPort] = ports;
    await runCli(['idl', 'push', phpProto, '-I', join(benchProto, '..'), '--nats', env.natsUrl]);
    progress('starting a provider sidecar for PHP-FPM');
    const provider = await startSidecar(env.natsUrl, 'bench-app', [`${PHP_SERVICE}=fastcgi://127.0.0.1:${fpmPort}?script=${phpScript}&int64=number`], { nodeFlags: opts.sidecarNodeFlags, env: env.appEnv });
    stops.push(() => provider.proc.stop());
    await untilServed(env.consumerUrl, phpPath, itemJson());
    
    const Item = loadBenchRoot().lookupType('bench.v1.Item');
    const grpcCaller = grpcDirectClient(Number(new URL(env.consumerUrl).port), phpPath, Item, Item, Item.fromObject(itemForProtobufjs()));
    const paths: Array<ComparedPath & { close(): void }> = [
      { name: PHP_MESH, ...grpcCaller, inFlight: PHP_IN_FLIGHT, rate: opts.rate, hop: { consumerSidecar: env.consumer.pid, phpProviderSidecar: provider.proc.pid }, others: fpmWorkers(pools[0]) },
      // The same mesh with an HTTP/JSON caller: which side of the consumer a difference is on.
      { name: PHP_MESH_JSON, ...httpJsonClient(env.consumerUrl, phpPath, itemJson(), PHP_IN_FLIGHT), inFlight: PHP_IN_FLIGHT, rate: opts.rate, hop: { consumerSidecar: env.consumer.pid, phpProviderSidecar: provider.proc.pid }, others: fpmWorkers(pools[0]) },
    ];
    try {
      const nginx = await nginxFastcgi(nginxFpmPort);
      stops.push(() => nginx.stop());
      paths.push({ name: PHP_NGINX, ...httpJsonClient(`http://127.0.0.1:${nginx.port}`, phpPath, itemJson(), PHP_IN_FLIGHT), inFlight: PHP_IN_FLIGHT, rate: opts.rate, hop: { nginx: nginx.proc.pid }, others: fpmWorkers(pools[1]) });
    } catch (err) {
      missing.push(`nginx fastcgi_pass: ${(err as Error).message}`);
    }
    return { windows: await runAll(paths, opts, progress), missing };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

/**
 * Issue 23's FastCGI goal: the provider sidecar costs no more CPU per call than nginx
 * `fastcgi_pass` in front of the same kind of PHP-FPM pool, at the fixed rate, paired per
 * repetition (the windows of both run back to back). Without both, the row says why (`notRun`).
 */
export function phpGoals(windows: ComparedWindow[], rate: number, notRun = 'no PHP-FPM windows'): Goal[] {
  const goal = { goal: `PHP provider sidecar / nginx fastcgi_pass CPU per call (at ${rate}/s)`, target: '<= 1' };
  const ratios: number[] = [];
  for (const m of windows.filter((w) => w.kind === 'open' && w.path === PHP_MESH)) {
    const n = windows.find((w) => w.kind === 'open' && w.path === PHP_NGINX && w.rep === m.rep);
    if (n) ratios.push(m.usPerCall.phpProviderSidecar / n.usPerCall.nginx);
  }
  if (!ratios.length) return [{ ...goal, value: NaN, note: `not run (${notRun})` }];
  const ratio = spread(ratios).median;
  return [{ ...goal, value: ratio, met: ratio <= 1 }];
}
