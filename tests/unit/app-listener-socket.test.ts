import net from 'node:net';
import pino from 'pino';
import { defaultLimits } from '../../src/config/sidecar-config';
import { AppListener } from '../../src/sidecar/outbound/app-listener';
import { GrpcListener } from '../../src/sidecar/outbound/grpc-listener';
import { HttpListener } from '../../src/sidecar/outbound/http-listener';

/**
 * The app listener accepts sockets itself (to tell HTTP/1 from HTTP/2), so it must set on them
 * what node:http's own server would: with Nagle on, an answer written in pieces waits for the
 * caller's delayed ACK.
 */

const log = pino({ level: 'silent' });

test('sockets the app listener accepts have Nagle off, as node:http would set them', async () => {
  const app = new AppListener(
    new HttpListener(async () => ({ json: '{}', metadata: {} }), 'app', log, defaultLimits),
    new GrpcListener(async () => ({ message: Buffer.alloc(0), metadata: {} }), 'app', log, defaultLimits, new Map()),
    defaultLimits,
  );
  const accepted = new Promise<net.Socket>((r) => app['server'].once('connection', r));
  const url = new URL(await app.listen('127.0.0.1', 0));
  const client = net.connect(Number(url.port), url.hostname);
  try {
    const socket = await accepted;
    const noDelay = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'kSetNoDelay');
    expect(noDelay).toBeDefined();
    expect((socket as unknown as Record<symbol, unknown>)[noDelay!]).toBe(true);
  } finally {
    client.destroy();
    await app.close();
  }
});
