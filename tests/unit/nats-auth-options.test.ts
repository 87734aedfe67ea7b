import { authOptions, redact } from '../../src/registry/connect';

describe('NATS connection options from URLs and flags', () => {
  test('user:password in a URL become options; the servers lose them', () => {
    expect(authOptions('nats://web:s%3Acret@nats1:4222,nats://nats2:4222', {})).toEqual({ servers: ['nats://nats1:4222', 'nats://nats2:4222'], user: 'web', pass: 's:cret' });
  });

  test('tls:// means TLS; --nats-ca gives the CA file and implies TLS', () => {
    expect(authOptions('tls://nats1:4222', {})).toEqual({ servers: ['nats://nats1:4222'], tls: {} });
    expect(authOptions('nats://nats1:4222', { ca: '/etc/ca.pem' })).toEqual({ servers: ['nats://nats1:4222'], tls: { caFile: '/etc/ca.pem' } });
  });

  test('plain URLs and host:port pass through', () => {
    expect(authOptions('nats://127.0.0.1:4222', {})).toEqual({ servers: ['nats://127.0.0.1:4222'] });
    expect(authOptions('127.0.0.1:4222', {})).toEqual({ servers: ['127.0.0.1:4222'] });
  });

  test('passwords never reach messages', () => {
    expect(redact('nats://web:secret@nats1:4222,tls://op:x@nats2:4222')).toBe('nats://web:***@nats1:4222,tls://op:***@nats2:4222');
  });
});
