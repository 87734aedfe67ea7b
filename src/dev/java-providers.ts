import { join } from 'node:path';
import { LOCAL, type ExampleMesh } from './example-mesh';
import { repoRoot } from '../config/repo-root';

/** The examples' fat jar: the Java providers and the Java callers (examples-java). */
export const examplesJar = join(repoRoot, 'examples-java', 'target', 'transmesh-examples.jar');

/** The Java gRPC and Thrift providers of examples-java, each behind its provider sidecar. */
export async function startJavaProviders(mesh: ExampleMesh): Promise<void> {
  const listening = (l: string) => /^listening on \d+$/.test(l);
  const java = (name: string) => mesh.tree.start(`java ${name}`, 'java', ['-jar', examplesJar, name, '--port', '0', '--host', '127.0.0.1'], listening);
  const usersPort = portOf(await java('users'));
  const ordersPort = portOf(await java('orders'));
  mesh.say(`Java providers: acme.users.v1.UserService (gRPC) on ${usersPort}, orders.OrderService (Thrift) on ${ordersPort}`);
  await mesh.sidecar('users-service', [...LOCAL, '--label', 'version=v1', '--provide', `acme.users.v1.UserService=grpc://127.0.0.1:${usersPort}`]);
  await mesh.sidecar('orders-service', [...LOCAL, '--provide', `orders.OrderService=thrift://127.0.0.1:${ordersPort}`]);
}

function portOf(line: string): number {
  return Number(/(\d+)$/.exec(line)![1]);
}
