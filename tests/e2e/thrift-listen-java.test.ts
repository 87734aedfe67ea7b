import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runCli } from '../helpers/processes';
import { Mesh, startMesh, startSidecar, SidecarProc } from '../helpers/mesh';
import { policyFile } from '../helpers/policy';
import { Proc, runToEnd, spawnProc } from '../../src/dev/processes';

jest.setTimeout(120000);

const jar = join(repoRoot, 'examples-java', 'target', 'transmesh-examples.jar');
const skip = process.env.TRANSMESH_SKIP_EXAMPLES === '1';
const svc = 'orders.OrderService';

/**
 * Apache Thrift's Java client (tests/fixtures/java/ThriftCaller.java, on the examples jar's
 * libthrift) through a consumer sidecar's --thrift-listen to the Java orders example, all real
 * processes: a declared exception, a oneway call, an i64, and an access refusal as a
 * TApplicationException naming PERMISSION_DENIED.
 */
(skip ? describe.skip : describe)('a Java Thrift client through --thrift-listen', () => {
  let java: Proc;
  let mesh: Mesh;
  let consumer: SidecarProc;
  let ports: number[];

  beforeAll(async () => {
    expect(existsSync(jar)).toBe(true); // npm test builds it; see scripts/test.sh
    java = spawnProc('java orders', 'java', ['-jar', jar, 'orders', '--port', '0', '--host', '127.0.0.1']);
    const ready = await java.waitFor((l) => /^listening on \d+$/.test(l.msg), 'the Java server listening');
    const port = Number(/\d+$/.exec(ready.msg)![0]);
    mesh = await startMesh({ service: svc, idl: [join(repoRoot, 'idl', 'orders.thrift'), '-I', join(repoRoot, 'idl')], upstream: `thrift://127.0.0.1:${port}`, providerApp: 'orders-service' });
    consumer = await startSidecar(mesh.nats.url, 'billing', [], {}, ['--thrift-listen', '127.0.0.1:0', '--thrift-listen', `127.0.0.1:0=${svc}`]);
    await consumer.proc.waitFor((l) => l.msg === 'endpoints snapshot' && l.endpoints.length === 1, 'the provider in discovery');
    const sidecarReady = await consumer.proc.waitForMsg('sidecar ready');
    ports = (sidecarReady.thrift as string[]).map((a) => Number(a.slice(a.lastIndexOf(':') + 1)));
    const doc = `service: ${svc}\naccess:\n  mode: enforce\n  allow:\n    - {callers: [billing], methods: [getOrder, countOrders, recordEvent]}\n`;
    expect((await runCli(['policy', 'apply', policyFile(doc), '--nats', mesh.nats.url])).code).toBe(0);
  });

  afterAll(async () => {
    await consumer?.proc.stop();
    await mesh?.stop();
    await java?.stop();
  });

  test.each([
    ['framed', 'binary', svc, 0],
    ['buffered', 'compact', '-', 1],
  ])('%s %s, service %s', async (transport, protocol, service, listener) => {
    const r = await runToEnd('java', ['-cp', jar, join(repoRoot, 'tests', 'fixtures', 'java', 'ThriftCaller.java'), String(ports[listener as number]), transport, protocol, service]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual([
      'getOrder PAID',
      expect.stringMatching(/^OrderNotFound 424242 /),
      expect.stringMatching(/^countOrders [1-9]\d*$/),
      expect.stringMatching(/^TApplicationException 6 PERMISSION_DENIED: access denied: caller billing may not call orders\.OrderService\/cancelOrder/),
    ]);
    expect(r.code).toBe(0);
  });
});
