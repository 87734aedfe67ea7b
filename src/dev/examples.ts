import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runToEnd, type ProcessTree } from './processes';
import { repoRoot } from '../config/repo-root';
import type { DevConfig } from '../config/dev-config';
import { sidecarNodeFlags } from '../config/node-flags';
import { pushExampleIdl } from './idl-history-demo';
import { applyPolicy } from './push-idl';

const root = repoRoot;
const jar = join(root, 'examples-java', 'target', 'transmesh-examples.jar');

/**
 * The demo: the Java providers, a provider sidecar in front of each, a consumer sidecar for
 * the PHP app, the example IDL pushed, and the PHP client run once through it all.
 * Returns the PHP client's exit code.
 */
export async function runExamples(tree: ProcessTree, config: DevConfig, cli: string[], say: (l: string) => void, joinArgs: (app: string) => string[]): Promise<number> {
  if (!existsSync(jar)) throw new Error(`${jar} is missing: build it with (cd examples-java && mvn -q -B package -DskipTests), or run npm run demo`);
  const listening = (l: string) => /^listening on \d+$/.test(l);
  const usersPort = portOf(await tree.start('java users', 'java', ['-jar', jar, 'users', '--port', '0', '--host', '127.0.0.1'], listening));
  const ordersPort = portOf(await tree.start('java orders', 'java', ['-jar', jar, 'orders', '--port', '0', '--host', '127.0.0.1'], listening));
  say(`Java providers: acme.users.v1.UserService (gRPC) on ${usersPort}, orders.OrderService (Thrift) on ${ordersPort}`);

  await pushExampleIdl(cli, config.nats, root);

  const sidecar = (app: string, extra: string[]) =>
    tree.start(`sidecar ${app}`, process.execPath, [...sidecarNodeFlags(), ...cli, 'sidecar', '--app', app, '--nats', config.nats, ...joinArgs(app), ...extra], (l) => l.includes('sidecar ready'));
  const local = ['--listen', '127.0.0.1:0', '--inbound', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--advertise', '127.0.0.1'];
  await sidecar('users-service', [...local, '--label', 'version=v1', '--provide', `acme.users.v1.UserService=grpc://127.0.0.1:${usersPort}`]);
  await sidecar('orders-service', [...local, '--provide', `orders.OrderService=thrift://127.0.0.1:${ordersPort}`]);
  await sidecar('php-app', ['--listen', config.listen, '--admin', config.admin, '--inbound', '127.0.0.1:0']);
  say(`consumer sidecar for the PHP app on http://${config.listen}`);
  await applyPolicy(cli, config.nats, [join(root, 'examples-policy', 'users.yaml')]);

  const php = await runToEnd('php', [join(root, 'examples-php', 'client.php'), ...(config.once ? ['--check'] : [])], {
    env: { TRANSMESH_URL: `http://${config.listen}` },
  });
  process.stdout.write(php.stdout);
  if (php.stderr.trim()) process.stderr.write(php.stderr);
  say(`PHP client exited with ${php.code}`);
  say(`try: curl -s -X POST http://${config.listen}/acme.users.v1.UserService/GetUser -H 'content-type: application/json' -d '{"id": 9223372036854775807}'`);
  say(`     curl -s -X POST http://${config.listen}/orders.OrderService/getOrder -H 'content-type: application/json' -d '{"id": 1001}'`);
  return php.code;
}

function portOf(line: string): number {
  return Number(/(\d+)$/.exec(line)![1]);
}
