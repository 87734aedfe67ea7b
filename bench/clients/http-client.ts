import http from 'node:http';
import type { CallFn } from '../load';

/**
 * The app side of the mesh path: HTTP/1.1 POSTs of a fixed JSON body to the consumer sidecar
 * over keep-alive connections (at most `connections` sockets; further calls queue in the agent,
 * and that wait counts in their latency). The reply is read whole and parsed, as an app would.
 */
export function httpJsonClient(baseUrl: string, path: string, body: string, connections: number): { call: CallFn; close(): void } {
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  const payload = Buffer.from(body);
  const options: http.RequestOptions = {
    agent,
    host: url.hostname,
    port: Number(url.port),
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json', 'content-length': payload.length },
  };
  const call: CallFn = (done) => {
    const req = http.request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = chunks.length === 1 ? chunks[0].toString() : Buffer.concat(chunks).toString();
        if (res.statusCode !== 200) return done(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
        try {
          JSON.parse(text);
        } catch (err) {
          return done(err as Error);
        }
        done();
      });
      res.on('error', (err) => done(err));
    });
    req.on('error', (err) => done(err));
    req.end(payload);
  };
  return { call, close: () => agent.destroy() };
}

/** One call, for checking the path answers right before it is measured. */
export function httpPost(baseUrl: string, path: string, body: string): Promise<{ status: number; text: string }> {
  const url = new URL(path, baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
