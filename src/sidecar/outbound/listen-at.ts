import type { AddressInfo, Server } from 'node:net';

/** Binds `server` and resolves with the URL callers use (`http://127.0.0.1:15001`, the port bound when 0 was asked). */
export function listenAt(server: Server, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const a = server.address() as AddressInfo;
      resolve(`http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`);
    });
  });
}
