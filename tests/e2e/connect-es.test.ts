import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createFileRegistry, fromBinary, type DescService } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, createClient, type CallOptions } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { Mesh, startMesh } from '../helpers/mesh';
import { repoRoot } from '../helpers/processes';
import { echoFiles, startEchoServer } from '../helpers/grpc-echo-server';
import { idlPushArgs } from '../helpers/idl-files';

jest.setTimeout(60000);

const fixtures = join(repoRoot, 'tests', 'fixtures', 'mesh');

/**
 * The echo service's FileDescriptorSet as buf compiles it, independently of the mesh's own
 * compiler: connect-es builds its client from it at run time, no generated code.
 */
async function echoService(): Promise<DescService> {
  const { stdout } = await promisify(execFile)(join(repoRoot, 'node_modules', '.bin', 'buf'), ['build', fixtures, '--path', join(fixtures, 'echo.proto'), '-o', '-#format=binpb'], { encoding: 'buffer', maxBuffer: 1 << 24 });
  return createFileRegistry(fromBinary(FileDescriptorSetSchema, stdout)).getService('mesh.test.v1.Echo')!;
}

/** The client connect-es builds from the descriptor, typed by hand (no generated code to type it). */
interface EchoReply {
  text: string;
  id: bigint;
  server: string;
  metadata: Record<string, string>;
}
type Unary<I> = (request: I, options?: CallOptions) => Promise<EchoReply>;
interface EchoClient {
  echo: Unary<{ text: string; id?: bigint }>;
  fail: Unary<{ code: number; message: string }>;
  slow: Unary<{ delayMs: number }>;
}

/**
 * A real Connect client (connect-es 2.2 over HTTP/1.1, JSON codec) calling through a consumer
 * sidecar to a grpc-js provider behind a provider sidecar, all real processes.
 */
describe('connect-es through the mesh', () => {
  let mesh: Mesh;
  let echo: Awaited<ReturnType<typeof startEchoServer>>;
  let client: EchoClient;

  beforeAll(async () => {
    const service = await echoService();
    echo = await startEchoServer('A');
    mesh = await startMesh({ service: 'mesh.test.v1.Echo', idl: idlPushArgs(echoFiles(), 'echo.proto'), upstream: `grpc://127.0.0.1:${echo.port}`, providerApp: 'echo-a' });
    client = createClient(service, createConnectTransport({ baseUrl: mesh.consumer.url, httpVersion: '1.1', useBinaryFormat: false })) as unknown as EchoClient;
  });

  afterAll(async () => {
    await mesh?.stop();
    await echo?.stop();
  });

  test('a call succeeds; the caller\'s headers reach the provider as metadata and the provider\'s come back as headers', async () => {
    let headers: Headers | undefined;
    const reply = await client.echo({ text: 'hello', id: 9007199254740993n }, { headers: { 'x-tenant': 'acme' }, onHeader: (h: Headers) => (headers = h) });
    expect(reply.text).toBe('hello');
    expect(reply.id).toBe(9007199254740993n);
    expect(reply.server).toBe('A');
    expect(reply.metadata['x-tenant']).toBe('acme');
    for (const k of Object.keys(reply.metadata)) expect(k).not.toMatch(/^(connect-|content-type|accept-encoding)/);
    expect(headers?.get('x-served-by')).toBe('A');
  });

  test('NOT_FOUND from the provider arrives as ConnectError NotFound with its message, details and metadata', async () => {
    const err = await client.fail({ code: 5, message: 'no order 42' }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    const ce = err as ConnectError;
    expect(ce.code).toBe(Code.NotFound);
    expect(ce.rawMessage).toBe('no order 42');
    expect(ce.details).toEqual([expect.objectContaining({ type: 'google.rpc.ErrorInfo' })]);
    expect(ce.metadata.get('x-fail-reason')).toBe('asked');
  });

  test('the caller\'s timeout is the call\'s deadline: the provider sees it, and a slower call ends DeadlineExceeded', async () => {
    let deadlineAtProvider: string | null = null;
    await client.echo({ text: 'x' }, { timeoutMs: 2000, onHeader: (h: Headers) => (deadlineAtProvider = h.get('x-deadline-ms')) });
    // Without the caller's timeout the provider would see the sidecar's default (15 s).
    expect(Number(deadlineAtProvider)).toBeGreaterThan(0);
    expect(Number(deadlineAtProvider)).toBeLessThanOrEqual(2000);
    const slow = await client.slow({ delayMs: 10_000 }, { timeoutMs: 300 }).then(() => undefined, (e: unknown) => e);
    expect(slow).toBeInstanceOf(ConnectError);
    expect((slow as ConnectError).code).toBe(Code.DeadlineExceeded);
  });
});
