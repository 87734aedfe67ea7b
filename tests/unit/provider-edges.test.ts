import { emptyPolicies, type PolicySnapshot } from '../../src/policy/service-policy';
import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { ThriftProvider } from '../../adapters/thrift/thrift-provider';
import type { InboundCall } from '../../src/protocol/provider';
import type { MethodModel } from '../../src/idl/model';
import { SnapshotCell } from '../../src/snapshot/snapshot-cell';
import { emptyIdl, IdlSnapshot } from '../../src/snapshot/snapshots';
import { routeLayer } from '../../src/sidecar/outbound/route-layer';
import type { OutboundCall } from '../../src/sidecar/outbound/call';
import { frame } from '../../src/transport/grpc/grpc-frame';
import { CancelToken } from '../../src/timing/cancel-token';
import { ThriftHeaders } from '../../adapters/thrift/thrift-model';
import { PeerHeaders } from '../../src/protocol/peer-headers';
import { codecMethod } from '../helpers/thrift-codec-idl';

/** A TCP server standing in for the Thrift service: records every byte it is sent. */
let server: Server;
const received: Buffer[] = [];
const sockets = new Set<Socket>();
beforeAll(async () => {
  server = createServer((s) => {
    sockets.add(s);
    s.on('data', (d) => received.push(d));
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});
beforeEach(() => (received.length = 0));

function thriftCall(model: MethodModel | undefined, args: Buffer, headers: Record<string, string> = {}): InboundCall {
  return { service: 'T', method: model?.name ?? 'nope', caller: 'app', model, path: '/T/x', headers, body: frame(args), deadline: Date.now() + 5000, cancel: new CancelToken() };
}

describe('ThriftProvider: what goes onto a pooled connection', () => {
  const port = () => (server.address() as AddressInfo).port;
  const fire = codecMethod('fire');
  const args = fire.encodeArgs({ id: 1 }, 'binary');

  test('arguments with trailing bytes are refused INVALID_ARGUMENT; nothing is written', async () => {
    const p = new ThriftProvider('T', `thrift://127.0.0.1:${port()}?transport=buffered`);
    const reply = await p.call(thriftCall(fire, Buffer.concat([args, Buffer.from([0x80, 0x01, 0x00, 0x01])])));
    p.close();
    expect(reply.status).toBe(3);
    expect(received).toHaveLength(0);
  });

  test('oneway comes from the IDL, not from a peer header', async () => {
    // The method is oneway in the IDL: answered once written, though the header says nothing.
    const p = new ThriftProvider('T', `thrift://127.0.0.1:${port()}?transport=buffered`);
    const reply = await p.call(thriftCall(fire, args));
    expect(reply.status).toBe(0);
    // A two-way method is not made oneway by a peer's header: it waits for a reply (here: its deadline).
    const twoWay = codecMethod('l');
    const call = { ...thriftCall(twoWay, twoWay.encodeArgs({ v: 1 }, 'binary'), { [ThriftHeaders.oneway]: '1' }), deadline: Date.now() + 200 };
    const r2 = await p.call(call);
    p.close();
    expect(r2.status).toBe(4);
  });

  test('a method missing from the IDL snapshot is not sent, and may be retried elsewhere', async () => {
    const p = new ThriftProvider('T', `thrift://127.0.0.1:${port()}`);
    const reply = await p.call(thriftCall(undefined, args));
    p.close();
    expect(reply.status).toBe(14);
    expect(reply.extraHeaders?.[PeerHeaders.notSent]).toBe('1');
    expect(received).toHaveLength(0);
  });
});

describe('route layer before the first IDL snapshot', () => {
  test('calls get UNAVAILABLE (503, retryable by clients), not NOT_FOUND', async () => {
    const idl = new SnapshotCell<IdlSnapshot>(emptyIdl);
    const handler = routeLayer(idl, new SnapshotCell<PolicySnapshot>(emptyPolicies))(async () => ({ json: '{}', metadata: {} }));
    const call = { service: 'a.B', method: 'C' } as OutboundCall;
    await expect(handler(call)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    idl.swap({ services: new Map(), loadedAt: 1 });
    await expect(handler(call)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
