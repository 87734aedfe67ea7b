import { parseThriftUrl } from '../../adapters/thrift/transport';

describe('parseThriftUrl', () => {
  test('framed binary by default', () => {
    expect(parseThriftUrl('thrift://127.0.0.1:9090')).toEqual({ host: '127.0.0.1', port: 9090, transport: 'framed', protocol: 'binary', address: 'thrift://127.0.0.1:9090' });
  });

  test('transport and protocol options', () => {
    expect(parseThriftUrl('thrift://svc.local:1/?transport=buffered')).toMatchObject({ host: 'svc.local', port: 1, transport: 'buffered', protocol: 'binary' });
    expect(parseThriftUrl('thrift://h:2?protocol=compact')).toMatchObject({ transport: 'framed', protocol: 'compact' });
    expect(parseThriftUrl('thrift://h:2?protocol=compact&transport=buffered')).toMatchObject({ transport: 'buffered', protocol: 'compact' });
    expect(parseThriftUrl('thrift://h:2?transport=framed&protocol=binary')).toMatchObject({ transport: 'framed', protocol: 'binary' });
  });

  test('IPv6 hosts lose their brackets', () => {
    expect(parseThriftUrl('thrift://[::1]:9090')).toMatchObject({ host: '::1', port: 9090, address: 'thrift://[::1]:9090' });
  });

  const bad: [string, RegExp][] = [
    ['127.0.0.1:9090', /expected thrift:\/\/host:port|scheme/],
    ['grpc://h:1', /scheme must be thrift:\/\//],
    ['thrift://h', /missing port/],
    ['thrift://:9090', /expected thrift:\/\/host:port|missing host/],
    ['thrift://h:99999', /expected thrift:\/\/host:port/],
    ['thrift://h:1?transport=http', /transport must be framed or buffered, not "http"/],
    ['thrift://h:1?protocol=json', /protocol must be binary or compact, not "json"/],
    ['thrift://h:1?multiplexed=1', /unknown option "multiplexed"/],
    ['thrift://h:1/path', /a path is not allowed/],
    ['thrift://u:p@h:1', /credentials/],
  ];
  test.each(bad)('refuses %s with a one-line reason', (url, reason) => {
    let message = '';
    try {
      parseThriftUrl(url);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(reason);
    expect(message).toContain(url);
    expect(message).not.toContain('\n');
  });
});
