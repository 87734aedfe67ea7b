import { spawn } from 'node:child_process';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { connect } from 'node:net';
import { join } from 'node:path';
import { repoRoot, runCli } from '../helpers/processes';
import { call, Mesh, startMesh, startSidecar, SidecarProc } from '../helpers/mesh';
import { policyFile } from '../helpers/policy';
import { startThriftTestServer, ThriftTestServer } from '../helpers/thrift-test-server';
import { encodeEnvelope, MessageType } from '../../adapters/thrift/transport/envelope';
import { decodeEnvelope } from '../../adapters/thrift/transport';
import { applicationExceptionToError } from '../../adapters/thrift/codec/application-exception';

jest.setTimeout(90000);

const fixtures = join(repoRoot, 'tests', 'fixtures', 'thrift');
const svc = 'shop.Catalog';

interface Outcome {
  ok?: any;
  error?: { name: string; message: string; type?: number; fields: any };
  connectionError?: string;
  fatal?: string;
}

/** Apache Thrift's Node client (tests/fixtures/thrift/test-client.js, its own process) running `calls` on one connection. */
async function thriftClient(port: number, opts: { transport: string; protocol: string; multiplex?: string }, calls: Array<{ method: string; args: unknown[] }>): Promise<Outcome[]> {
  const args = [join(fixtures, 'test-client.js'), '--port', String(port), '--transport', opts.transport, '--protocol', opts.protocol];
  if (opts.multiplex) args.push('--multiplex', opts.multiplex);
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stdin.end(JSON.stringify(calls));
  await once(child, 'exit');
  return out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Outcome);
}

/** The port of a `host:port`. */
const portOf = (hostPort: string) => Number(hostPort.slice(hostPort.lastIndexOf(':') + 1));

/**
 * Native Thrift callers through the mesh, all real processes: Apache's Node client on the
 * consumer sidecar's --thrift-listen (multiplexed and =SVC), nats-server, a provider sidecar in
 * front of Apache's Node server speaking buffered compact, so binary callers are converted and
 * compact ones pass as they are.
 */
describe('native Thrift callers (--thrift-listen)', () => {
  let mesh: Mesh;
  let server: ThriftTestServer;
  /** common.Base provided by an HTTP/JSON application (as a PHP app would), beside the Thrift server. */
  let jsonApp: Server;
  const jsonAppCalls: Array<{ path: string; body: unknown }> = [];
  let consumer: SidecarProc;
  let multiplexed: number;
  let single: number;

  beforeAll(async () => {
    server = await startThriftTestServer({ transport: 'buffered', protocol: 'compact' });
    jsonApp = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        const body = JSON.parse(text) as { text: string };
        jsonAppCalls.push({ path: req.url!, body });
        res.setHeader('content-type', 'application/json');
        if (body.text === 'missing') res.writeHead(404).end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'no such text' } }));
        else res.end(JSON.stringify(`json pong: ${body.text}`));
      });
    });
    await new Promise<void>((r) => jsonApp.listen(0, '127.0.0.1', r));
    const jsonUrl = `http://127.0.0.1:${(jsonApp.address() as AddressInfo).port}`;
    mesh = await startMesh({ service: svc, idl: [join(fixtures, 'shop.thrift')], upstream: server.url, providerApp: 'shop', alsoProvide: [`common.Base=${jsonUrl}`] });
    // A short body timeout, so a caller that stops mid-message is seen cut off within the test.
    consumer = await startSidecar(mesh.nats.url, 'php-app', [], { TRANSMESH_BODY_TIMEOUT_MS: '1500' }, ['--thrift-listen', '127.0.0.1:0', '--thrift-listen', `127.0.0.1:0=${svc}`]);
    await consumer.proc.waitFor((l) => l.msg === 'endpoints snapshot' && l.endpoints.length === 1, 'the provider in discovery');
    const ready = await consumer.proc.waitForMsg('sidecar ready');
    [multiplexed, single] = (ready.thrift as string[]).map(portOf);
  });

  afterAll(async () => {
    await consumer?.proc.stop();
    await mesh?.stop();
    await server?.close();
    jsonApp?.close();
  });

  const wires = [
    { transport: 'framed', protocol: 'binary' },
    { transport: 'framed', protocol: 'compact' },
    { transport: 'buffered', protocol: 'binary' },
    { transport: 'buffered', protocol: 'compact' },
  ];

  test.each(wires)('%o: multiplexed and =SVC callers get answers, declared exceptions, oneway calls', async (wire) => {
    const id = String(BigInt(wires.indexOf(wire)) + 9223372036854775000n);
    const item = { id, name: `lamp ${wire.transport} ${wire.protocol}`, tags: ['a'], count: 7, weight: 1.5 };
    const calls = [
      { method: 'echo', args: ['héllo'] },
      { method: 'put', args: [{ $item: item }] },
      { method: 'get', args: [{ $i64: id }] },
      { method: 'get', args: [{ $i64: '404' }] },
      { method: 'get', args: [{ $i64: '-1' }] },
      { method: 'touch', args: [{ $i64: id }] },
      { method: 'ping', args: ['x'] },
    ];
    for (const [port, multiplex] of [[multiplexed, svc], [single, undefined]] as const) {
      const touched = server.nextTouch();
      const r = await thriftClient(port, { ...wire, multiplex }, calls);
      expect(r).toHaveLength(calls.length);
      expect(r[0]).toEqual({ ok: 'héllo' });
      expect(r[1].ok).toMatchObject({ id, name: item.name, tags: ['a'], count: 7, weight: 1.5 });
      expect(r[2].ok).toMatchObject({ id, name: item.name });
      // Declared exceptions arrive as those exceptions, with their fields.
      expect(r[3].error).toMatchObject({ name: 'NotFound', fields: { message: 'item 404 not found', id: '404' } });
      expect(r[4].error).toMatchObject({ name: 'Invalid', fields: { reason: 'negative id' } });
      expect(r[5]).toEqual({ ok: null });
      expect(await touched).toBe(BigInt(id));
      // An inherited function (common.Base) through the same name space.
      expect(r[6]).toEqual({ ok: 'pong: x' });
    }
  });

  test.each([wires[1], wires[2]])('%o: a service provided by an HTTP/JSON application is called the same way, its arguments and answer converted', async (wire) => {
    jsonAppCalls.length = 0;
    const r = await thriftClient(multiplexed, { ...wire, multiplex: 'common.Base' }, [{ method: 'ping', args: ['héllo'] }, { method: 'ping', args: ['missing'] }]);
    expect(r[0]).toEqual({ ok: 'json pong: héllo' });
    expect(r[1].error).toMatchObject({ name: 'TApplicationException', type: 6, message: 'NOT_FOUND: no such text' });
    expect(jsonAppCalls).toEqual([
      { path: '/common.Base/ping', body: { text: 'héllo' } },
      { path: '/common.Base/ping', body: { text: 'missing' } },
    ]);
  });

  test('an unknown method, a plain name on the multiplexed listener and another service are TApplicationExceptions of type UNKNOWN_METHOD', async () => {
    const raw = async (port: number, name: string) => {
      const socket = connect(port, '127.0.0.1');
      const struct = Buffer.from([0]);
      const envelope = encodeEnvelope('binary', name, MessageType.CALL, 41);
      const size = Buffer.alloc(4);
      size.writeUInt32BE(envelope.length + struct.length);
      socket.end(Buffer.concat([size, envelope, struct]));
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      await once(socket, 'close');
      const reply = Buffer.concat(chunks);
      expect(reply.readUInt32BE(0)).toBe(reply.length - 4);
      const { header, bodyStart } = decodeEnvelope('binary', reply, 4);
      expect(header).toMatchObject({ type: MessageType.EXCEPTION, seqid: 41 });
      return applicationExceptionToError(reply.subarray(bodyStart), 'binary');
    };
    const unknown = await raw(multiplexed, `${svc}:nosuch`);
    expect(unknown.message).toMatch(/^UNIMPLEMENTED: service shop\.Catalog has no method "nosuch"/);
    expect(unknown.extra?.thrift).toMatchObject({ value: { type: 'UNKNOWN_METHOD' } });
    const plain = await raw(multiplexed, 'echo');
    expect(plain.message).toMatch(/^UNIMPLEMENTED: "echo" names no service/);
    const other = await raw(multiplexed, 'mesh.test.v1.Echo:Echo');
    expect(other.message).toMatch(/^UNIMPLEMENTED: unknown service "mesh.test.v1.Echo"/);
    expect((await raw(single, 'nosuch')).extra?.thrift).toMatchObject({ value: { type: 'UNKNOWN_METHOD' } });
  });

  test('garbage, an oversize frame and a silent connection are closed; the listener keeps serving', async () => {
    const closedAfter = async (bytes: Buffer) => {
      const socket = connect(multiplexed, '127.0.0.1');
      let got = 0;
      socket.on('data', (c: Buffer) => (got += c.length));
      socket.write(bytes);
      await once(socket, 'close');
      return got;
    };
    expect(await closedAfter(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))).toBe(0);
    expect(await closedAfter(Buffer.from([0x7f, 0xff, 0xff, 0xff, 0x80, 0x01, 0, 1]))).toBe(0);
    // A REPLY is no call: refused, not answered.
    expect(await closedAfter(Buffer.from([0x80, 0x01, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 1, 0]))).toBe(0);
    // Half a message, then nothing: closed after TRANSMESH_BODY_TIMEOUT_MS.
    expect(await closedAfter(Buffer.from([0, 0, 0, 40, 0x80, 0x01, 0x00, 0x01]))).toBe(0);
    const r = await thriftClient(multiplexed, { transport: 'framed', protocol: 'binary', multiplex: svc }, [{ method: 'echo', args: ['still here'] }]);
    expect(r).toEqual([{ ok: 'still here' }]);
  });

  test("the mesh's refusals are TApplicationExceptions of type INTERNAL_ERROR naming the code; JSON callers see the same policy", async () => {
    const doc = `service: ${svc}\naccess:\n  mode: enforce\n  allow:\n    - {callers: [php-app], methods: [echo, get, put, touch, ping]}\n`;
    const applied = await runCli(['policy', 'apply', policyFile(doc), '--nats', mesh.nats.url]);
    expect(applied.code).toBe(0);
    const json = await call(consumer.url, `/${svc}/count`, {});
    expect(json.body.error.code).toBe('PERMISSION_DENIED');
    const r = await thriftClient(single, { transport: 'framed', protocol: 'compact' }, [{ method: 'count', args: [] }, { method: 'echo', args: ['allowed'] }]);
    expect(r[0].error).toMatchObject({ name: 'TApplicationException', type: 6 });
    expect(r[0].error!.message).toMatch(/^PERMISSION_DENIED: access denied: caller php-app may not call shop\.Catalog\/count/);
    expect(r[1]).toEqual({ ok: 'allowed' });
    const metrics = await (await fetch(`${consumer.admin}/metrics`)).text();
    expect(metrics).toMatch(/transmesh_requests_total\{[^}]*service="shop\.Catalog"[^}]*method="count"[^}]*code="PERMISSION_DENIED"[^}]*\} [1-9]/);
    // Declared exceptions count with the code the IDL gives them, as a JSON caller's would.
    expect(metrics).toMatch(/transmesh_requests_total\{[^}]*service="shop\.Catalog"[^}]*method="get"[^}]*code="NOT_FOUND"[^}]*\} [1-9]/);
  });
});
