import { once } from 'node:events';
import { connect, Socket } from 'node:net';
import { defaultLimits, type Limits } from '../../src/config/sidecar-config';
import { MeshError } from '../../src/errors/mesh-error';
import { createLogger } from '../../src/log/logger';
import type { MethodModel } from '../../src/idl/model';
import type { CallerMessage } from '../../src/protocol/native-callers';
import type { OutboundCall } from '../../src/sidecar/outbound/call';
import { CallerListener } from '../../src/sidecar/outbound/caller-listener';
import { thriftCallers } from '../../adapters/thrift/listen';
import { writeMessage } from '../../adapters/thrift/listen/caller-message';
import { applicationExceptionToError } from '../../adapters/thrift/codec/application-exception';
import { decodeEnvelope, MessageType } from '../../adapters/thrift/transport/envelope';
import { ThriftCallerConnection } from '../../adapters/thrift/listen/caller-connection';
import { ThriftHeaders } from '../../adapters/thrift/thrift-model';
import { callerLayer } from '../../src/sidecar/outbound/caller-layer';
import type { PeerHandler } from '../../src/sidecar/outbound/call';
import { CancelToken } from '../../src/timing/cancel-token';
import { shopService, thriftMethod } from '../helpers/thrift-fixtures';

/**
 * The listener of native callers (and its layer) with a real socket and Apache's wire (framed binary); the outbound
 * stack stands in as a handler whose calls the test answers when it wants, so order, caps and
 * drains are seen as a caller sees them.
 */

const wire = { transport: 'framed', protocol: 'binary' } as const;
const emptyArgs = Buffer.from([0]);
const callBytes = (name: string, seqid: number, type: number = MessageType.CALL) => writeMessage(wire, `shop.Catalog:${name}`, type, seqid, emptyArgs);

interface Pending {
  call: OutboundCall<CallerMessage>;
  resolve(b: Buffer | undefined): void;
  reject(e: unknown): void;
}

async function start(limits: Partial<Limits> = {}) {
  const calls: Pending[] = [];
  const waiters: Array<() => void> = [];
  const listener = new CallerListener(
    thriftCallers,
    undefined,
    (call) =>
      new Promise((resolve, reject) => {
        calls.push({ call, resolve, reject });
        waiters.splice(0).forEach((w) => w());
      }),
    'php-app',
    createLogger('test', 'silent'),
    { ...defaultLimits, ...limits },
  );
  const port = Number(new URL(await listener.listen('127.0.0.1', 0)).port);
  /** Resolves once the handler has been called `n` times in all. */
  const called = async (n: number) => {
    while (calls.length < n) await new Promise<void>((r) => waiters.push(r));
    return calls[n - 1];
  };
  return { listener, port, calls, called };
}

/** A caller's connection: what it receives, split into frames. */
function client(port: number) {
  const socket = connect(port, '127.0.0.1');
  let buf = Buffer.alloc(0);
  const frames: Buffer[] = [];
  const waiters: Array<() => void> = [];
  socket.on('data', (c: Buffer) => {
    buf = Buffer.concat([buf, c]);
    while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
      frames.push(buf.subarray(0, 4 + buf.readUInt32BE(0)));
      buf = buf.subarray(4 + buf.readUInt32BE(0));
      waiters.splice(0).forEach((w) => w());
    }
  });
  const frame = async (n: number) => {
    while (frames.length < n) await new Promise<void>((r) => waiters.push(r));
    return decodeEnvelope('binary', frames[n - 1], 4);
  };
  return { socket, frames, frame };
}

const closed = (s: Socket) => (s.closed ? Promise.resolve() : once(s, 'close').then(() => undefined));

describe('the native callers listener', () => {
  test('calls run as the sidecar app; answers are written in the order the calls came, whatever order they finish in', async () => {
    const { listener, port, called } = await start();
    const c = client(port);
    c.socket.write(Buffer.concat([callBytes('echo', 1), callBytes('get', 2)]));
    const first = await called(1);
    const second = await called(2);
    expect([first.call.service, first.call.method, first.call.caller, second.call.method]).toEqual(['shop.Catalog', 'echo', 'php-app', 'get']);
    second.resolve(second.call.body.error(new MeshError('NOT_FOUND', 'second')));
    first.resolve(first.call.body.error(new MeshError('NOT_FOUND', 'first')));
    expect((await c.frame(1)).header.seqid).toBe(1);
    expect((await c.frame(2)).header.seqid).toBe(2);
    c.socket.destroy();
    await listener.close();
  });

  test('a failure is written as the caller protocol error; a oneway call (by the message or by the IDL) gets nothing', async () => {
    const { listener, port, called } = await start();
    const c = client(port);
    c.socket.write(Buffer.concat([callBytes('touch', 1, MessageType.ONEWAY), callBytes('touch', 2), callBytes('get', 3)]));
    (await called(1)).reject(new MeshError('UNAVAILABLE', 'gone'));
    const byIdl = await called(2);
    byIdl.call.route = { entry: undefined as never, method: { oneway: true } as MethodModel };
    byIdl.reject(new MeshError('UNAVAILABLE', 'gone'));
    (await called(3)).reject(new MeshError('PERMISSION_DENIED', 'no'));
    const { header, bodyStart } = await c.frame(1);
    expect(header).toMatchObject({ seqid: 3, type: MessageType.EXCEPTION });
    expect(applicationExceptionToError(c.frames[0].subarray(bodyStart), 'binary').message).toBe('PERMISSION_DENIED: no');
    c.socket.destroy();
    await listener.close();
  });

  test('a connection with TRANSMESH_MAX_CONCURRENT_STREAMS calls in flight is not read until one is answered', async () => {
    const { listener, port, calls, called } = await start({ maxConcurrentStreams: 1 });
    const c = client(port);
    c.socket.write(Buffer.concat([callBytes('echo', 1), callBytes('echo', 2)]));
    const first = await called(1);
    // The second call is in the socket's buffer; it is read only once the first is answered.
    await new Promise((r) => setImmediate(r));
    expect(calls).toHaveLength(1);
    first.resolve(first.call.body.error(new MeshError('ABORTED', 'x')));
    (await called(2)).resolve(undefined);
    c.socket.destroy();
    await listener.close();
  });

  test('over TRANSMESH_MAX_IN_FLIGHT calls in the listener, a call is refused RESOURCE_EXHAUSTED', async () => {
    const { listener, port, called } = await start({ maxInFlight: 1 });
    const a = client(port);
    const b = client(port);
    a.socket.write(callBytes('echo', 1));
    const first = await called(1);
    b.socket.write(callBytes('echo', 2));
    const { header, bodyStart } = await b.frame(1);
    expect(header.seqid).toBe(2);
    expect(applicationExceptionToError(b.frames[0].subarray(bodyStart), 'binary').message).toMatch(/^RESOURCE_EXHAUSTED: 1 calls in flight/);
    first.resolve(undefined);
    a.socket.destroy();
    b.socket.destroy();
    await listener.close();
  });

  test('a big unframed message is read whole, however the socket splits it', async () => {
    const { listener, port, called } = await start();
    const socket = connect(port, '127.0.0.1');
    const shop = shopService();
    const unframed = { transport: 'buffered', protocol: 'compact' } as const;
    socket.write(writeMessage(unframed, 'shop.Catalog:echo', MessageType.CALL, 1, thriftMethod(shop, 'echo').encodeArgs({ text: 'y'.repeat(1_000_000) }, 'compact')));
    const p = await called(1);
    expect(p.call.method).toBe('echo');
    p.resolve(undefined);
    socket.destroy();
    await listener.close();
  });

  test('a message that stops half way is cut off after the body timeout; garbage at once', async () => {
    const { listener, port } = await start({ bodyTimeoutMs: 50 });
    const half = client(port);
    half.socket.write(callBytes('echo', 1).subarray(0, 10));
    await closed(half.socket);
    const garbage = client(port);
    garbage.socket.write('GET / HTTP/1.1\r\n\r\n');
    await closed(garbage.socket);
    expect(half.frames.length + garbage.frames.length).toBe(0);
    await listener.close();
  });

  test('an idle connection with nothing in flight is closed', async () => {
    const { listener, port } = await start({ idleTimeoutMs: 50 });
    const idle = client(port);
    await once(idle.socket, 'connect');
    await closed(idle.socket);
    await listener.close();
  });

  test('close() lets the calls in flight answer, then ends their connections', async () => {
    const { listener, port, called } = await start();
    const c = client(port);
    c.socket.write(callBytes('echo', 7));
    const pending = await called(1);
    let drained = false;
    const closing = listener.close().then(() => (drained = true));
    await new Promise((r) => setImmediate(r));
    expect(drained).toBe(false);
    pending.resolve(pending.call.body.error(new MeshError('ABORTED', 'late')));
    await closing;
    expect((await c.frame(1)).header.seqid).toBe(7);
    await closed(c.socket);
  });
});

describe('the caller layer', () => {
  const shop = shopService();
  const [message] = new ThriftCallerConnection({ service: 'shop.Catalog', maxMessageBytes: 1 << 20 }).push(writeMessage({ transport: 'buffered', protocol: 'compact' }, 'echo', MessageType.CALL, 3, thriftMethod(shop, 'echo').encodeArgs({ text: 'hi' }, 'compact')));
  const callFor = (protocol: string, method: MethodModel): OutboundCall<CallerMessage> => ({
    service: 'shop.Catalog',
    method: method.name,
    body: message,
    requestId: 'r',
    caller: 'php-app',
    int64AsNumber: false,
    timeoutHeader: undefined,
    metadata: {},
    headers: {},
    cancel: new CancelToken(),
    startedAt: 0,
    deadline: Date.now() + 1000,
    route: { entry: { model: { ...shop, protocol } } as never, method },
    policy: undefined,
  });
  const answering = (status: number, payload: Buffer) => {
    const sent: Array<{ encoding: string | undefined; bytes: Uint8Array; headers: Record<string, string> }> = [];
    const peer: PeerHandler = async (req) => {
      req.endpoint = { address: 'p', encoding: 'binary' } as never;
      sent.push({ encoding: 'binary', bytes: req.payloadFor(req.endpoint!), headers: req.headers });
      return { status, message: status ? 'refused' : '', detailsBin: undefined, metadata: {}, headers: {}, payload };
    };
    return { peer, sent };
  };

  test('the arguments go in the provider protocol; the answer comes back in the caller wire', async () => {
    const echo = shop.methods.get('echo')!;
    const { peer, sent } = answering(0, Buffer.from(echo.provider.encodeReply('hi', 'binary')));
    const out = (await callerLayer(peer, 'thrift')(callFor('thrift', echo)))!;
    expect(Buffer.from(sent[0].bytes)).toEqual(thriftMethod(shop, 'echo').encodeArgs({ text: 'hi' }, 'binary'));
    const { header, bodyStart } = decodeEnvelope('compact', out);
    expect(header).toEqual({ name: 'echo', type: MessageType.REPLY, seqid: 3 });
    expect(thriftMethod(shop, 'echo').decodeResult(out.subarray(bodyStart), 'compact', { int64AsNumber: false })).toBe('"hi"');
  });

  test("a provider's error is the call's MeshError; a oneway method's answer is nothing; another protocol's service is UNIMPLEMENTED", async () => {
    await expect(callerLayer(answering(7, Buffer.alloc(0)).peer, 'thrift')(callFor('thrift', shop.methods.get('echo')!))).rejects.toMatchObject({ code: 'PERMISSION_DENIED', message: 'refused' });
    const touch = answering(0, Buffer.alloc(0));
    expect(await callerLayer(touch.peer, 'thrift')(callFor('thrift', shop.methods.get('touch')!))).toBeUndefined();
    expect(touch.sent[0].headers).toEqual({ [ThriftHeaders.oneway]: '1' });
    await expect(callerLayer(answering(0, Buffer.alloc(0)).peer, 'thrift')(callFor('grpc', shop.methods.get('echo')!))).rejects.toMatchObject({
      code: 'UNIMPLEMENTED',
      message: expect.stringContaining('shop.Catalog is a grpc service, which a thrift caller cannot call'),
    });
  });
});
