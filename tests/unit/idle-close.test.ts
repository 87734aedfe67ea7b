import http2, { type ClientHttp2Session, type Http2Server, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { freePort } from '../../src/dev/processes';
import { closeWhenIdle } from '../../src/transport/idle-close';
import { H2Client } from '../../src/transport/grpc/h2-client';
import { liveTimers } from '../helpers/live-timers';

// Durations no other timer in the process has, so the ones counted are the idle timeouts; one per
// test, since the timer Node leaves behind outlives its test.
let idleMs = 123_457;
beforeEach(() => void idleMs++);
const headers = { ':method': 'POST', ':path': '/pkg.Svc/Get', 'content-type': 'application/grpc', te: 'trailers' };
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function server(onSession: (s: ServerHttp2Session) => void): Promise<{ server: Http2Server; port: number }> {
  const srv = http2.createServer();
  srv.on('session', onSession);
  srv.on('stream', (s) => s.respond({ ':status': 200, 'grpc-status': '0' }, { endStream: true }));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise((r) => srv.close(r)));
  return { server: srv, port: (srv.address() as AddressInfo).port };
}

const closed = (s: http2.Http2Session) => new Promise<void>((r) => (s.closed && s.destroyed ? r() : s.once('close', () => r())));

describe('idle timeouts of HTTP/2 sessions leave nothing behind when a session dies', () => {
  test('Node keeps the timer of session.setTimeout for a destroyed session (why closeWhenIdle exists)', async () => {
    const s = http2.connect(`http://127.0.0.1:${await freePort()}`);
    s.on('error', () => undefined);
    s.setTimeout(idleMs, () => undefined);
    await closed(s);
    // If this fails, Node clears it now and closeWhenIdle could go back to session.setTimeout.
    expect(await liveTimers(idleMs)).toBe(1);
    s.setTimeout(0); // a no-op on a destroyed session: the timer runs out on its own
  });

  test('H2Client: calls to a provider refusing connections leave no idle timer per call', async () => {
    const c = new H2Client({ maxMessageBytes: 1 << 20, pingIntervalMs: 30_000, idleTimeoutMs: idleMs });
    cleanup.push(() => c.close());
    const authority = `127.0.0.1:${await freePort()}`;
    for (let i = 0; i < 20; i++) await expect(c.call(authority, headers, Buffer.from('x'), Date.now() + 5000)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(c.sessionCount).toBe(0);
    expect(await liveTimers(idleMs)).toBe(0);
  });

  test('server side: sessions of clients that came and went leave no idle timer', async () => {
    const sessions: ServerHttp2Session[] = [];
    const { port } = await server((s) => (sessions.push(s), closeWhenIdle(s, idleMs)));
    for (let i = 0; i < 10; i++) {
      const client = http2.connect(`http://127.0.0.1:${port}`);
      const req = client.request(headers);
      req.resume();
      await new Promise((r) => req.on('close', r));
      client.close();
      await closed(client);
    }
    await Promise.all(sessions.map(closed));
    expect(await liveTimers(idleMs)).toBe(0);
  });

  test('a session with a stream open is not idle; once its streams end it is closed after idleMs', async () => {
    let idle = 0;
    const srv = http2.createServer();
    let respond!: () => void;
    srv.on('stream', (st) => (respond = () => st.respond({ ':status': 200 }, { endStream: true })));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => srv.close(r)));
    const session: ClientHttp2Session = http2.connect(`http://127.0.0.1:${(srv.address() as AddressInfo).port}`);
    cleanup.push(() => session.destroy());
    const becameIdle = new Promise<void>((r) => {
      const track = closeWhenIdle(session, 50, () => (idle++, r()));
      const req = session.request(headers);
      track(req);
      req.resume();
      // Held open for several idle periods: no idle call meanwhile.
      setTimeout(() => {
        expect(idle).toBe(0);
        respond();
      }, 200);
    });
    await becameIdle;
    expect(idle).toBe(1);
  });
});
