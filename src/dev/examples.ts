import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessTree } from './processes';
import { repoRoot } from '../config/repo-root';
import type { DevConfig } from '../config/dev-config';
import { pushExampleIdl } from './idl-history-demo';
import { applyPolicy } from './push-idl';
import { exampleMesh } from './example-mesh';
import { examplesJar, startJavaProviders } from './java-providers';
import { CATALOG, INVENTORY, startPhpProviders } from './php-providers';
import { JAVA_APP, javaGrpcToPhp, javaThriftToPhp, startJavaConsumer } from './java-callers';
import { phpRefusedCatalog, phpToJava } from './php-callers';
import { MeshTrail } from './mesh-trail';
import { TraceCollector } from './trace-collector';
import { report, type DirectionResult } from './directions';

/**
 * The demo, in all four directions of PHP/Java interop: the Java providers and the PHP app (under
 * PHP's built-in server and under PHP-FPM), a provider sidecar in front of each, a consumer
 * sidecar for the PHP client and one for the Java callers, the example IDL and policy pushed;
 * then each direction is run once and checked. Returns 0 when every direction passed.
 */
export async function runExamples(tree: ProcessTree, config: DevConfig, cli: string[], say: (l: string) => void, joinArgs: (app: string) => string[]): Promise<number> {
  if (!existsSync(examplesJar)) throw new Error(`${examplesJar} is missing: build it with (cd examples-java && mvn -q -B package -DskipTests), or run npm run demo`);
  // Traces go to the user's collector when OTEL_EXPORTER_OTLP_ENDPOINT names one, else to the demo's.
  const collector = process.env.OTEL_EXPORTER_OTLP_ENDPOINT ? undefined : await TraceCollector.start();
  const mesh = exampleMesh(tree, config, cli, say, joinArgs, collector?.env() ?? {});
  await startJavaProviders(mesh);
  await pushExampleIdl(cli, config.nats, repoRoot);
  await startPhpProviders(mesh);
  await mesh.sidecar('php-app', ['--listen', config.listen, '--admin', config.admin, '--inbound', '127.0.0.1:0']);
  say(`consumer sidecar for the PHP app on http://${config.listen}`);
  const java = await startJavaConsumer(mesh);
  const policy = join(repoRoot, 'examples-policy');
  await applyPolicy(cli, config.nats, ['users.yaml', 'catalog.yaml', 'inventory.yaml'].map((f) => join(policy, f)));

  const results: DirectionResult[] = [];
  say('── PHP → Java: examples-php/client.php → sidecar php-app → Java gRPC and Thrift providers');
  results.push(await phpToJava(mesh));
  const trail = await MeshTrail.follow(mesh, JAVA_APP, collector);
  say(`── Java → PHP: grpc-java → sidecar ${JAVA_APP} → sidecar catalog-php → PHP (policy: examples-policy/catalog.yaml)`);
  results.push(...(await javaGrpcToPhp(mesh, java)));
  results.push(await trail.traced(CATALOG));
  say(`── Java → PHP: Apache Thrift → sidecar ${JAVA_APP} --thrift-listen → sidecar catalog-php → PHP-FPM (policy: examples-policy/inventory.yaml)`);
  results.push(await javaThriftToPhp(mesh, java));
  if (java.thriftPort !== undefined) results.push(await trail.traced(INVENTORY));
  await trail.stop();
  results.push(await phpRefusedCatalog(mesh));

  const code = report(results, say);
  say(`try: curl -s -X POST http://${config.listen}/acme.users.v1.UserService/GetUser -H 'content-type: application/json' -d '{"id": 9223372036854775807}'`);
  say(`     curl -s -X POST http://${config.listen}/orders.OrderService/getOrder -H 'content-type: application/json' -d '{"id": 1001}'`);
  say(`     java -jar ${examplesJar} catalog-client --target ${java.grpcTarget}`);
  return code;
}
