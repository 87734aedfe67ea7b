import { LOCAL, type ExampleMesh } from './example-mesh';
import { examplesJar } from './java-providers';
import { freePort, runToEnd } from './processes';
import { summaryOf, type DirectionResult } from './directions';

/** The consumer sidecar of the Java callers: gRPC on its --listen, Thrift on its --thrift-listen. */
export interface JavaConsumer {
  readonly grpcTarget: string;
  /** The --thrift-listen port; undefined when this build's sidecar has no such flag. */
  readonly thriftPort: number | undefined;
}

export const JAVA_APP = 'java-app';

export async function startJavaConsumer(mesh: ExampleMesh): Promise<JavaConsumer> {
  const thriftPort = (await hasThriftListen(mesh.cli)) ? await freePort() : undefined;
  const thrift = thriftPort === undefined ? [] : ['--thrift-listen', `127.0.0.1:${thriftPort}`];
  const { listen } = await mesh.sidecar(JAVA_APP, [...LOCAL, ...thrift]);
  const grpcTarget = `127.0.0.1:${listen}`;
  mesh.say(`consumer sidecar for the Java callers (app ${JAVA_APP}): gRPC on ${grpcTarget}, Thrift on ${thriftPort ? `127.0.0.1:${thriftPort}` : '(none: this sidecar has no --thrift-listen)'}`);
  return { grpcTarget, thriftPort };
}

/**
 * Java → PHP over gRPC: the grpc-java caller, once routed to the built-in server (and made to
 * run into its quota), once to PHP-FPM by the metadata the policy routes on.
 */
export async function javaGrpcToPhp(mesh: ExampleMesh, consumer: JavaConsumer): Promise<DirectionResult[]> {
  const builtin = await javaClient(mesh, ['catalog-client', '--target', consumer.grpcTarget, '--quota-probe', '12']);
  const fpm = await javaClient(mesh, ['catalog-client', '--target', consumer.grpcTarget, '--route', 'fpm']);
  return [
    judged('Java gRPC → PHP (php -S)', builtin, 'served_by: "cli-server"'),
    judged('Java gRPC → PHP (php-fpm)', fpm, 'served_by: "fpm-fcgi"'),
  ];
}

/** Java → PHP over Thrift: the Apache Thrift caller, multiplexed, through --thrift-listen to PHP-FPM. */
export async function javaThriftToPhp(mesh: ExampleMesh, consumer: JavaConsumer): Promise<DirectionResult> {
  const name = 'Java Thrift → PHP (php-fpm)';
  if (consumer.thriftPort === undefined) return { name, ok: false, detail: 'not run: this build of the sidecar has no --thrift-listen' };
  return judged(name, await javaClient(mesh, ['inventory-client', '--port', String(consumer.thriftPort)]), 'servedBy:fpm-fcgi');
}

async function javaClient(mesh: ExampleMesh, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  mesh.say(`java -jar transmesh-examples.jar ${args.join(' ')} --check`);
  const res = await runToEnd('java', ['-jar', examplesJar, ...args, '--check']);
  process.stdout.write(res.stdout);
  if (res.code !== 0 && res.stderr.trim()) process.stderr.write(res.stderr);
  return res;
}

/** Passed when the client's checks passed and the answer came from the PHP server the route names. */
function judged(name: string, res: { code: number; stdout: string; stderr: string }, servedBy: string): DirectionResult {
  const routed = res.stdout.includes(servedBy);
  const detail = `${summaryOf(res.stdout || res.stderr)}${res.code === 0 && !routed ? `; but no answer came with ${servedBy}` : ''}`;
  return { name, ok: res.code === 0 && routed, detail };
}

async function hasThriftListen(cli: string[]): Promise<boolean> {
  const help = await runToEnd(process.execPath, [...cli, 'sidecar', '--help']);
  return help.stdout.includes('--thrift-listen');
}
