import { sidecarConfigSchema } from '../../src/config/sidecar-config';
import { validate, UsageError } from '../../src/cli/args';
import { configFrom } from '../../src/cli/sidecar-command';
import { Metrics } from '../../src/telemetry/metrics';
import { natsServers } from '../../src/config/addresses';

describe('sidecar configuration', () => {
  test('defaults are the contract\'s, and the result is frozen', () => {
    const c = validate(sidecarConfigSchema, { app: 'shop', nats: 'nats://127.0.0.1:4222' });
    expect(c.listen).toEqual({ host: '127.0.0.1', port: 15001 });
    expect(c.inbound).toEqual({ host: '0.0.0.0', port: 15006 });
    expect(c.admin).toEqual({ host: '127.0.0.1', port: 15000 });
    expect(c.provide).toEqual([]);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.listen)).toBe(true);
  });

  test('--provide takes SERVICE=grpc://… or thrift://… with options', () => {
    const c = validate(sidecarConfigSchema, {
      app: 'a',
      nats: 'nats://h:1',
      provide: ['acme.users.v1.UserService=grpc://127.0.0.1:50051', 'orders.OrderService=thrift://h:9090?transport=buffered&protocol=compact'],
    });
    expect(c.provide).toEqual([
      { service: 'acme.users.v1.UserService', url: 'grpc://127.0.0.1:50051' },
      { service: 'orders.OrderService', url: 'thrift://h:9090?transport=buffered&protocol=compact' },
    ]);
  });

  test.each([
    [{ nats: 'nats://h:1' }, /--app/],
    [{ app: 'a b', nats: 'nats://h:1' }, /--app/],
    [{ app: 'a', nats: 'nats://h:1', listen: 'localhost' }, /--listen: "localhost" is not host:port/],
    [{ app: 'a', nats: 'nats://h:1', listen: '127.0.0.1:99999' }, /--listen/],
    [{ app: 'a', nats: 'nats://h:1', provide: ['Svc'] }, /--provide/],
    [{ app: 'a', nats: 'nats://h:1', provide: ['a.Svc=ftp://h:1'] }, /--provide/],
    [{ app: 'a', nats: 'http://h:1' }, /--nats/],
    [{ app: 'a', nats: 'nats://h:1,http://h:2' }, /--nats: .*comma-separated/],
    [{ app: 'a', nats: ' , ' }, /--nats/],
    [{ app: 'a', nats: 'nats://h:1', endpointTtlMs: 1000, heartbeatMs: 1000 }, /at least two heartbeats/],
    [{ app: 'a', nats: 'nats://h:1', endpointTtlMs: 60000 }, /shorter than the endpoints bucket's max age/],
  ])('refuses %j with a one-line reason', (input, reason) => {
    let err: unknown;
    try {
      validate(sidecarConfigSchema, input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(reason);
    expect((err as Error).message).not.toContain('\n');
  });

  test('--nats takes a comma-separated list of seed URLs; discovery defaults outlast a leader election', () => {
    const c = validate(sidecarConfigSchema, { app: 'a', nats: 'nats://n1:4222, nats://n2:4222,tls://n3:4222' });
    expect(natsServers(c.nats)).toEqual(['nats://n1:4222', 'nats://n2:4222', 'tls://n3:4222']);
    expect(c.heartbeatMs).toBe(1000);
    expect(c.endpointTtlMs).toBe(15000);
  });

  test('tuning comes from the environment, validated too', () => {
    process.env.TRANSMESH_HEARTBEAT_MS = '250';
    try {
      expect(configFrom({ app: 'a', nats: 'nats://h:1' }).heartbeatMs).toBe(250);
      process.env.TRANSMESH_HEARTBEAT_MS = 'often';
      expect(() => configFrom({ app: 'a', nats: 'nats://h:1' })).toThrow(UsageError);
    } finally {
      delete process.env.TRANSMESH_HEARTBEAT_MS;
    }
  });

  test('TRANSMESH_PEER_PROTOCOL picks how this sidecar calls provider sidecars: mux or h2, nothing else', () => {
    const before = process.env.TRANSMESH_PEER_PROTOCOL;
    try {
      delete process.env.TRANSMESH_PEER_PROTOCOL;
      expect(configFrom({ app: 'a', nats: 'nats://h:1' }).peerProtocol).toBe(sidecarConfigSchema.parse({ app: 'a', nats: 'nats://h:1' }).peerProtocol);
      for (const p of ['mux', 'h2'] as const) {
        process.env.TRANSMESH_PEER_PROTOCOL = p;
        expect(configFrom({ app: 'a', nats: 'nats://h:1' }).peerProtocol).toBe(p);
      }
      process.env.TRANSMESH_PEER_PROTOCOL = 'http3';
      expect(() => configFrom({ app: 'a', nats: 'nats://h:1' })).toThrow(UsageError);
    } finally {
      if (before === undefined) delete process.env.TRANSMESH_PEER_PROTOCOL;
      else process.env.TRANSMESH_PEER_PROTOCOL = before;
    }
  });
});

describe('metrics', () => {
  test('histogram buckets are cumulative and the text is Prometheus exposition', () => {
    const m = new Metrics();
    m.observe('inbound', 'php', 's.S', 'M', 'OK', 0.0007);
    m.observe('inbound', 'php', 's.S', 'M', 'OK', 0.2);
    const text = m.render();
    expect(text).toContain('transmesh_request_duration_seconds_bucket{direction="inbound",caller="php",service="s.S",method="M",code="OK",le="0.0005"} 0');
    expect(text).toContain('le="0.001"} 1');
    expect(text).toContain('le="0.25"} 2');
    expect(text).toContain('le="+Inf"} 2');
    expect(text).toMatch(/transmesh_request_duration_seconds_count\{[^}]*\} 2/);
  });
});
