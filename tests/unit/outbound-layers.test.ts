import { MeshError } from '../../src/errors/mesh-error';
import type { MethodModel, ServiceModel } from '../../src/idl/model';
import { SnapshotCell } from '../../src/snapshot/snapshot-cell';
import { emptyEndpoints, emptyIdl, Endpoint, EndpointsSnapshot, IdlSnapshot } from '../../src/snapshot/snapshots';
import { Metrics } from '../../src/telemetry/metrics';
import { AccessLog } from '../../src/telemetry/access-log';
import type { OutboundCall, PeerRequest } from '../../src/sidecar/outbound/call';
import { compose } from '../../src/sidecar/outbound/call';
import { routeLayer } from '../../src/sidecar/outbound/route-layer';
import { deadlineLayer } from '../../src/sidecar/outbound/deadline-layer';
import { balanceLayer } from '../../src/sidecar/outbound/balance-layer';
import { retryLayer } from '../../src/sidecar/outbound/retry-layer';
import { telemetryLayer } from '../../src/sidecar/outbound/telemetry-layer';
import { EndpointHealth } from '../../src/sidecar/outbound/endpoint-health';
import { CancelToken } from '../../src/transport/peer/cancel-token';
import type { PeerResponse } from '../../src/transport/peer/peer-client';

function newCall(over: Partial<OutboundCall> = {}): OutboundCall {
  return {
    service: 'pkg.Svc',
    method: 'Get',
    body: '{}',
    requestId: 'r',
    caller: 'app',
    int64AsNumber: false,
    timeoutHeader: undefined,
    metadata: {},
    cancel: new CancelToken(),
    startedAt: performance.now(),
    deadline: Date.now() + 10_000,
    route: undefined,
    ...over,
  };
}

const ok = { json: '{}', metadata: {} };
const okPeer: PeerResponse = { status: 0, message: '', detailsBin: undefined, metadata: {}, headers: {}, payload: Buffer.alloc(0) };

function endpoint(instance: string): Endpoint {
  return { instance, app: instance, address: `${instance}:1`, protocol: 'grpc', thriftProtocol: undefined, labels: {} };
}

function peerRequest(call = newCall()): PeerRequest {
  return { call, path: '/pkg.Svc/Get', contentType: 'application/grpc', headers: {}, payloadFor: () => new Uint8Array(), endpoint: undefined };
}

describe('route layer', () => {
  const method = { kind: 'grpc', name: 'Get' } as unknown as MethodModel;
  const model: ServiceModel = { name: 'pkg.Svc', protocol: 'grpc', methods: new Map([['Get', method]]) };
  const idl = new SnapshotCell<IdlSnapshot>(emptyIdl);
  idl.swap({ services: new Map([['pkg.Svc', { model, version: 3, root: undefined }]]), loadedAt: 1 });
  const handler = routeLayer(idl)(async (c) => ({ json: JSON.stringify(c.route!.entry.version), metadata: {} }));

  test('finds the method in the snapshot current when the call arrives', async () => {
    expect((await handler(newCall())).json).toBe('3');
  });

  test('an unknown service or method is NOT_FOUND', () => {
    expect(() => handler(newCall({ service: 'no.Such' }))).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(() => handler(newCall({ method: 'Nope' }))).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });

  test('a call in flight keeps the version it started with when a new snapshot is swapped in', async () => {
    let release!: () => void;
    const held = routeLayer(idl)(async (c) => {
      await new Promise<void>((r) => (release = r));
      return { json: String(c.route!.entry.version), metadata: {} };
    });
    const pending = held(newCall());
    idl.swap({ services: new Map([['pkg.Svc', { model, version: 4, root: undefined }]]), loadedAt: 2 });
    release();
    expect((await pending).json).toBe('3');
  });
});

describe('deadline layer', () => {
  const seen: number[] = [];
  const handler = deadlineLayer(15000)(async (c) => (seen.push(c.deadline - Date.now()), ok));

  test('takes x-transmesh-timeout-ms, else the default', async () => {
    await handler(newCall({ timeoutHeader: '250' }));
    await handler(newCall());
    expect(seen[0]).toBeGreaterThan(200);
    expect(seen[0]).toBeLessThanOrEqual(250);
    expect(seen[1]).toBeGreaterThan(14000);
  });

  test.each(['0', '-5', '1.5', 'soon', ''])('refuses %p as INVALID_ARGUMENT', (h) => {
    expect(() => handler(newCall({ timeoutHeader: h }))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('balance layer', () => {
  function setup(instances: string[]) {
    const cell = new SnapshotCell<EndpointsSnapshot>(emptyEndpoints);
    cell.swap({ byService: new Map([['pkg.Svc', instances.map(endpoint)]]) });
    const health = new EndpointHealth(60_000);
    const picked: string[] = [];
    const handler = balanceLayer(cell, health)(async (req) => (picked.push(req.endpoint!.instance), okPeer));
    return { handler, health, picked };
  }

  test('round robin over the endpoints', async () => {
    const { handler, picked } = setup(['a', 'b', 'c']);
    for (let i = 0; i < 6; i++) await handler(peerRequest());
    expect(picked).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  test('skips ejected endpoints, and uses them all when all are ejected', async () => {
    const { handler, health, picked } = setup(['a', 'b']);
    health.eject('a:1');
    for (let i = 0; i < 3; i++) await handler(peerRequest());
    expect(picked).toEqual(['b', 'b', 'b']);
    health.eject('b:1');
    await handler(peerRequest());
    expect(['a', 'b']).toContain(picked[3]);
  });

  test('no endpoint is UNAVAILABLE', () => {
    const { handler } = setup([]);
    expect(() => handler(peerRequest())).toThrow(expect.objectContaining({ code: 'UNAVAILABLE' }));
  });
});

describe('retry layer', () => {
  function failing(errors: MeshError[]) {
    let attempts = 0;
    const health = new EndpointHealth(60_000);
    const handler = retryLayer(health)(async (req) => {
      req.endpoint = endpoint(`e${attempts}`);
      const err = errors[attempts++];
      if (err) throw err;
      return okPeer;
    });
    return { handler, health, attempts: () => attempts };
  }
  const refused = () => Object.assign(new MeshError('UNAVAILABLE', 'refused'), { retryable: true });

  test('retries only attempts that never reached a provider, and ejects their endpoint', async () => {
    const { handler, health, attempts } = failing([refused(), refused()]);
    await expect(handler(peerRequest())).resolves.toBe(okPeer);
    expect(attempts()).toBe(3);
    expect(health.isHealthy('e0:1')).toBe(false);
  });

  test('gives up after three attempts', async () => {
    const { handler, attempts } = failing([refused(), refused(), refused(), refused()]);
    await expect(handler(peerRequest())).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(attempts()).toBe(3);
  });

  test('never retries a call the provider may have seen', async () => {
    const { handler, attempts } = failing([new MeshError('UNAVAILABLE', 'reset mid-call')]);
    await expect(handler(peerRequest())).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(attempts()).toBe(1);
  });

  test('retries an answer whose provider sidecar says its service never saw the call', async () => {
    let attempts = 0;
    const handler = retryLayer(new EndpointHealth(60_000))(async (req) => {
      req.endpoint = endpoint(`e${attempts}`);
      return attempts++ === 0 ? { ...okPeer, status: 14, message: 'refused', headers: { 'x-transmesh-not-sent': '1' } } : okPeer;
    });
    await expect(handler(peerRequest())).resolves.toBe(okPeer);
    expect(attempts).toBe(2);
    // Without the mark, the provider's UNAVAILABLE is its answer.
    let once = 0;
    const plain = retryLayer(new EndpointHealth(60_000))(async () => (once++, { ...okPeer, status: 14 }));
    await expect(plain(peerRequest())).resolves.toMatchObject({ status: 14 });
    expect(once).toBe(1);
  });

  test('never retries past the deadline', async () => {
    const { handler, attempts } = failing([refused(), refused()]);
    await expect(handler(peerRequest(newCall({ deadline: Date.now() - 1 })))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(attempts()).toBe(1);
  });
});

describe('telemetry layer', () => {
  test('counts every call with the code it ended with; unknown routes under one label set', async () => {
    const metrics = new Metrics();
    const routed = { entry: {} as never, method: {} as never };
    const handler = compose([telemetryLayer(metrics, new AccessLog())], async (c: OutboundCall) => {
      if (c.method !== 'Nowhere') c.route = routed;
      if (c.method === 'Nowhere') throw new MeshError('NOT_FOUND', 'no such method');
      if (c.method === 'Bad') throw new MeshError('NOT_FOUND', 'x');
      if (c.method === 'Bug') throw new Error('bug');
      return ok;
    });
    await handler(newCall());
    await expect(handler(newCall({ method: 'Bad' }))).rejects.toThrow();
    await expect(handler(newCall({ method: 'Bug' }))).rejects.toThrow();
    await expect(handler(newCall({ service: 'a%0Ab.S', method: 'Nowhere' }))).rejects.toThrow();
    const text = metrics.render();
    // A call that named nothing known is counted under one fixed label set.
    expect(text).toContain('transmesh_requests_total{direction="outbound",caller="app",service="(unknown)",method="(unknown)",code="NOT_FOUND"} 1');
    expect(text).not.toContain('a%0Ab.S');
    expect(text).toContain('transmesh_requests_total{direction="outbound",caller="app",service="pkg.Svc",method="Get",code="OK"} 1');
    expect(text).toContain('transmesh_request_errors_total{direction="outbound",caller="app",service="pkg.Svc",method="Bad",code="NOT_FOUND"} 1');
    expect(text).toContain('code="INTERNAL"} 1');
    expect(text).not.toContain('transmesh_request_errors_total{direction="outbound",caller="app",service="pkg.Svc",method="Get"');
  });
});

describe('balance layer and protocols', () => {
  test('only endpoints that speak the IDL protocol are chosen', async () => {
    const cell = new SnapshotCell<EndpointsSnapshot>(emptyEndpoints);
    cell.swap({ byService: new Map([['pkg.Svc', [endpoint('g'), { ...endpoint('t'), protocol: 'thrift' as const, thriftProtocol: 'binary' as const }]]]) });
    const picked: string[] = [];
    const handler = balanceLayer(cell, new EndpointHealth())(async (req) => (picked.push(req.endpoint!.instance), okPeer));
    const thriftCall = newCall({ route: { entry: { model: { name: 'pkg.Svc', protocol: 'thrift', methods: new Map() }, version: 1, root: undefined }, method: {} as MethodModel } });
    for (let i = 0; i < 3; i++) await handler(peerRequest(thriftCall));
    expect(picked).toEqual(['t', 't', 't']);
    const grpcOnly = new SnapshotCell<EndpointsSnapshot>(emptyEndpoints);
    grpcOnly.swap({ byService: new Map([['pkg.Svc', [endpoint('g')]]]) });
    expect(() => balanceLayer(grpcOnly, new EndpointHealth())(async () => okPeer)(peerRequest(thriftCall))).toThrow(/speaks thrift/);
  });
});

describe('deadline layer limits', () => {
  test('a timeout longer than a timer can hold is capped, not an instant expiry', async () => {
    let left = 0;
    await deadlineLayer(15000)(async (c) => ((left = c.deadline - Date.now()), ok))(newCall({ timeoutHeader: '99999999999999999999' }));
    expect(left).toBeGreaterThan(2_000_000_000);
    expect(left).toBeLessThanOrEqual(2_147_483_647);
  });
});
