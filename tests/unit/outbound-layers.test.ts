import { MeshError } from '../../src/errors/mesh-error';
import type { MethodModel, ServiceModel } from '../../src/idl/model';
import { SnapshotCell } from '../../src/snapshot/snapshot-cell';
import { emptyEndpoints, emptyIdl, EndpointsSnapshot, IdlSnapshot } from '../../src/snapshot/snapshots';
import { emptyPolicies, PolicySnapshot } from '../../src/policy/service-policy';
import { Metrics } from '../../src/telemetry/metrics';
import { AccessLog } from '../../src/telemetry/access-log';
import type { OutboundCall } from '../../src/sidecar/outbound/call';
import { compose } from '../../src/sidecar/outbound/call';
import { routeLayer } from '../../src/sidecar/outbound/route-layer';
import { deadlineLayer } from '../../src/sidecar/outbound/deadline-layer';
import { balanceLayer } from '../../src/sidecar/outbound/balance-layer';
import { retryLayer } from '../../src/sidecar/outbound/retry-layer';
import { telemetryLayer } from '../../src/sidecar/outbound/telemetry-layer';
import { Breaker } from '../../src/sidecar/outbound/breaker';
import { LoadStats } from '../../src/sidecar/outbound/load-stats';
import { realEnv } from '../../src/sidecar/outbound/layer-env';
import { PolicyMetrics } from '../../src/telemetry/policy-metrics';
import { endpoint, FakeEnv, methodSettings, newCall, okPeer, peerRequest, servicePolicy } from '../helpers/outbound-fixtures';

const ok = { json: '{}', metadata: {} };
const method = { name: 'Get' } as unknown as MethodModel;
const model: ServiceModel = { name: 'pkg.Svc', protocol: 'grpc', rpcSystem: 'grpc', methods: new Map([['Get', method]]), describe: () => ({ methods: [] }) };

describe('route layer', () => {
  const idl = new SnapshotCell<IdlSnapshot>(emptyIdl);
  idl.swap({ services: new Map([['pkg.Svc', { model, version: 3 }]]), loadedAt: 1 });
  const policies = new SnapshotCell<PolicySnapshot>(emptyPolicies);
  const handler = routeLayer(idl, policies)(async (c) => ({ json: JSON.stringify(c.route!.entry.version), metadata: {} }));

  test('finds the method in the snapshot current when the call arrives', async () => {
    expect((await handler(newCall())).json).toBe('3');
  });

  test('an unknown service or method is a rejected promise with NOT_FOUND, never a synchronous throw', async () => {
    const unknownService = handler(newCall({ service: 'no.Such' }));
    const unknownMethod = handler(newCall({ method: 'Nope' }));
    await expect(unknownService).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('no.Such') });
    await expect(unknownMethod).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('Nope') });
  });

  test('a Connect GET reaches only a method the IDL marks NO_SIDE_EFFECTS', async () => {
    const read = { name: 'Read', noSideEffects: true } as unknown as MethodModel;
    const cell = new SnapshotCell<IdlSnapshot>(emptyIdl);
    cell.swap({ services: new Map([['pkg.Svc', { model: { ...model, methods: new Map([['Get', method], ['Read', read]]) }, version: 1 }]]), loadedAt: 1 });
    const h = routeLayer(cell, policies)(async () => ok);
    await expect(h(newCall({ method: 'Read', noSideEffectsOnly: true }))).resolves.toBe(ok);
    await expect(h(newCall({ method: 'Get', noSideEffectsOnly: true }))).rejects.toMatchObject({ code: 'UNIMPLEMENTED', message: expect.stringContaining('NO_SIDE_EFFECTS') });
    await expect(h(newCall({ method: 'Get' }))).resolves.toBe(ok);
  });

  test('a call in flight keeps the IDL version and the policy revision it started with', async () => {
    const cell = new SnapshotCell<PolicySnapshot>(emptyPolicies);
    cell.swap({ byService: new Map([['pkg.Svc', servicePolicy({ revision: 7 })]]) });
    let release!: () => void;
    const held = routeLayer(idl, cell)(async (c) => {
      await new Promise<void>((r) => (release = r));
      return { json: `${c.route!.entry.version}/${c.policy!.service!.revision}`, metadata: {} };
    });
    const pending = held(newCall());
    idl.swap({ services: new Map([['pkg.Svc', { model, version: 4 }]]), loadedAt: 2 });
    cell.swap({ byService: new Map([['pkg.Svc', servicePolicy({ revision: 8 })]]) });
    release();
    expect((await pending).json).toBe('3/7');
    idl.swap({ services: new Map([['pkg.Svc', { model, version: 3 }]]), loadedAt: 3 });
  });

  test('takes the method settings from the policy: the method entry, else defaults', async () => {
    const cell = new SnapshotCell<PolicySnapshot>(emptyPolicies);
    const getSettings = methodSettings({ timeoutMs: 300 });
    cell.swap({ byService: new Map([['pkg.Svc', servicePolicy({ methods: new Map([['Get', getSettings]]) })]]) });
    let seen: unknown;
    await routeLayer(idl, cell)(async (c) => ((seen = c.policy!.method), ok))(newCall());
    expect(seen).toBe(getSettings);
  });
});

describe('deadline layer', () => {
  const env = new FakeEnv();
  const run = async (call: OutboundCall, defaultMs = 15000) => {
    let left = NaN;
    await deadlineLayer(defaultMs, env)(async (c) => ((left = c.deadline - env.now()), ok))(call);
    return left;
  };
  const withTimeout = (timeoutMs: number | undefined, header?: string) => {
    const call = newCall({ timeoutHeader: header });
    call.policy = { service: undefined, method: methodSettings({ timeoutMs }), subset: undefined };
    return call;
  };

  test('takes x-transmesh-timeout-ms, else the default', async () => {
    expect(await run(newCall({ timeoutHeader: '250' }))).toBe(250);
    expect(await run(newCall())).toBe(15000);
  });

  test('a policy timeout replaces the default; the caller may shorten it but never lengthen it', async () => {
    expect(await run(withTimeout(300))).toBe(300);
    expect(await run(withTimeout(300, '100'))).toBe(100);
    expect(await run(withTimeout(300, '5000'))).toBe(300);
    // Without a policy timeout the caller's header stands, even above the sidecar default.
    expect(await run(withTimeout(undefined, '20000'))).toBe(20000);
  });

  test('a call the policy timed out says so; one the caller timed out does not blame the policy', async () => {
    const slow = deadlineLayer(15000, env)(async () => {
      throw new MeshError('DEADLINE_EXCEEDED', 'deadline exceeded after 300 ms');
    });
    await expect(slow(withTimeout(300))).rejects.toMatchObject({ message: 'deadline exceeded after 300 ms (the policy of pkg.Svc sets 300 ms for Get)' });
    await expect(slow(withTimeout(300, '100'))).rejects.toMatchObject({ message: 'deadline exceeded after 300 ms' });
  });

  test.each(['0', '-5', '1.5', 'soon', ''])('refuses %p with a rejected INVALID_ARGUMENT', async (h) => {
    await expect(run(newCall({ timeoutHeader: h }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('x-transmesh-timeout-ms') });
  });

  test('a timeout longer than a timer can hold is capped, not an instant expiry', async () => {
    expect(await run(newCall({ timeoutHeader: '99999999999999999999' }))).toBe(2_147_483_647);
  });
});

describe('balance layer basics', () => {
  function setup(instances: string[]) {
    const env = new FakeEnv();
    const cell = new SnapshotCell<EndpointsSnapshot>(emptyEndpoints);
    cell.swap({ byService: new Map([['pkg.Svc', instances.map((i) => endpoint(i))]]) });
    const breaker = new Breaker(new PolicyMetrics());
    const picked: string[] = [];
    const handler = balanceLayer(cell, breaker, new LoadStats(), env)(async (req) => (picked.push(req.endpoint!.instance), okPeer));
    return { handler, breaker, picked, env };
  }
  const roundRobin = () => {
    const call = newCall();
    call.policy = { service: undefined, method: methodSettings({ balance: { kind: 'round-robin' } }), subset: undefined };
    return peerRequest(call);
  };

  test('round robin over the endpoints', async () => {
    const { handler, picked } = setup(['a', 'b', 'c']);
    for (let i = 0; i < 6; i++) await handler(roundRobin());
    expect(picked).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  test('skips ejected endpoints; the breaker never ejects the last one of a pool', async () => {
    const { handler, breaker, picked, env } = setup(['a', 'b']);
    const pool = [endpoint('a'), endpoint('b')];
    const settings = { consecutiveFailures: 1, ejectForMs: 60_000, maxEjected: 1 };
    breaker.failed('a:1', pool, settings, env.now());
    for (let i = 0; i < 3; i++) await handler(roundRobin());
    expect(picked).toEqual(['b', 'b', 'b']);
    // b failing too would leave nobody: it stays, and calls keep going to it (not to the ejected a).
    breaker.failed('b:1', pool, settings, env.now());
    expect(breaker.isEjected('b:1', env.now())).toBe(false);
    await handler(roundRobin());
    expect(picked[3]).toBe('b');
  });

  test('no endpoint is a rejected UNAVAILABLE', async () => {
    const { handler } = setup([]);
    await expect(handler(peerRequest())).rejects.toMatchObject({ code: 'UNAVAILABLE', message: 'no provider of pkg.Svc is up' });
  });

  test('only endpoints that speak the IDL protocol are chosen', async () => {
    const env = new FakeEnv();
    const cell = new SnapshotCell<EndpointsSnapshot>(emptyEndpoints);
    cell.swap({ byService: new Map([['pkg.Svc', [endpoint('g'), { ...endpoint('t'), protocol: 'thrift' as const, thriftProtocol: 'binary' as const }]]]) });
    const picked: string[] = [];
    const handler = balanceLayer(cell, new Breaker(new PolicyMetrics()), new LoadStats(), env)(async (req) => (picked.push(req.endpoint!.instance), okPeer));
    const thriftCall = () => newCall({ route: { entry: { model: { name: 'pkg.Svc', protocol: 'thrift', rpcSystem: 'apache_thrift', methods: new Map(), describe: () => ({ methods: [] }) }, version: 1 }, method: {} as MethodModel } });
    for (let i = 0; i < 3; i++) await handler(peerRequest(thriftCall()));
    expect(picked).toEqual(['t', 't', 't']);
    const grpcOnly = new SnapshotCell<EndpointsSnapshot>(emptyEndpoints);
    grpcOnly.swap({ byService: new Map([['pkg.Svc', [endpoint('g')]]]) });
    const refused = balanceLayer(grpcOnly, new Breaker(new PolicyMetrics()), new LoadStats(), env)(async () => okPeer)(peerRequest(thriftCall()));
    await expect(refused).rejects.toThrow(/speaks thrift/);
  });
});

describe('retry layer without a policy', () => {
  function failing(errors: MeshError[]) {
    let attempts = 0;
    const seen: number[] = [];
    const handler = retryLayer(new FakeEnv(), new PolicyMetrics())(async (req) => {
      seen.push(req.attempt);
      req.endpoint = endpoint(`e${attempts}`);
      const err = errors[attempts++];
      if (err) throw err;
      return okPeer;
    });
    return { handler, attempts: () => attempts, seen };
  }
  const refused = () => new MeshError('UNAVAILABLE', 'refused', { retryable: true });

  test('retries only attempts that never reached a provider, numbering them and avoiding the endpoints tried', async () => {
    const { handler, attempts, seen } = failing([refused(), refused()]);
    const req = peerRequest();
    await expect(handler(req)).resolves.toBe(okPeer);
    expect(attempts()).toBe(3);
    expect(seen).toEqual([1, 2, 3]);
    expect(req.tried).toEqual(['e0:1', 'e1:1']);
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
    const handler = retryLayer(new FakeEnv(), new PolicyMetrics())(async (req) => {
      req.endpoint = endpoint(`e${attempts}`);
      return attempts++ === 0 ? { ...okPeer, status: 14, message: 'refused', headers: { 'x-transmesh-not-sent': '1' } } : okPeer;
    });
    await expect(handler(peerRequest())).resolves.toBe(okPeer);
    expect(attempts).toBe(2);
    // Without the mark, the provider's UNAVAILABLE is its answer.
    let once = 0;
    const plain = retryLayer(new FakeEnv(), new PolicyMetrics())(async () => (once++, { ...okPeer, status: 14 }));
    await expect(plain(peerRequest())).resolves.toMatchObject({ status: 14 });
    expect(once).toBe(1);
  });

  test('never retries past the deadline', async () => {
    const { handler, attempts } = failing([refused(), refused()]);
    await expect(handler(peerRequest(newCall({ deadline: 0 })))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
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

test('the real environment sleeps and wakes early when the caller goes away', async () => {
  const call = newCall();
  const slept = realEnv.sleep(60_000, call.cancel);
  call.cancel.cancel();
  await slept;
  expect(call.cancel.cancelled).toBe(true);
});
