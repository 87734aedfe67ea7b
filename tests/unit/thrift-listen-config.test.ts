import { sidecarConfigSchema } from '../../src/config/sidecar-config';
import { validate, UsageError } from '../../src/cli/args';

describe('--thrift-listen ADDR[=SVC]', () => {
  test('repeatable; each an address and, optionally, the one service its callers reach', () => {
    const c = validate(sidecarConfigSchema, { app: 'a', nats: 'nats://h:1', 'thrift-listen': ['127.0.0.1:9090', ':9091=orders.OrderService', '[::1]:9092'] });
    expect(c['thrift-listen']).toEqual([
      { protocol: 'thrift', host: '127.0.0.1', port: 9090, service: undefined },
      { protocol: 'thrift', host: '0.0.0.0', port: 9091, service: 'orders.OrderService' },
      { protocol: 'thrift', host: '::1', port: 9092, service: undefined },
    ]);
    expect(validate(sidecarConfigSchema, { app: 'a', nats: 'nats://h:1' })['thrift-listen']).toEqual([]);
  });

  test.each([
    ['9090', /--thrift-listen: "9090" is not ADDR\[=SERVICE\]/],
    ['127.0.0.1:9090=', /--thrift-listen: "" in .* is not a fully qualified service name/],
    ['127.0.0.1:9090=orders service', /not a fully qualified service name/],
    ['host:99999=a.B', /is not ADDR/],
  ])('refuses %s with a one-line reason naming the flag', (value, reason) => {
    expect(() => validate(sidecarConfigSchema, { app: 'a', nats: 'nats://h:1', 'thrift-listen': [value] })).toThrow(UsageError);
    expect(() => validate(sidecarConfigSchema, { app: 'a', nats: 'nats://h:1', 'thrift-listen': [value] })).toThrow(reason);
  });
});
