import http from 'node:http';
import https from 'node:https';

export interface SenderOptions {
  readonly url: string;
  readonly contentType: 'application/x-protobuf' | 'application/json';
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Called with why an export failed; the caller decides how often to say it. */
  readonly onFailure: (reason: string) => void;
}

/**
 * POSTs OTLP/HTTP bodies over one keep-alive agent (the collector connection is reused batch after
 * batch). Resolves true on 2xx; false, with onFailure, on anything else: an export never throws
 * and never retries (the batcher already has the next batch; a collector that is down costs one
 * failed request per batch, not a backlog).
 */
export function otlpHttpSender(opts: SenderOptions): { send: (body: Buffer, signal: AbortSignal) => Promise<boolean>; close: () => void } {
  const url = new URL(opts.url);
  const tls = url.protocol === 'https:';
  const agent = tls ? new https.Agent({ keepAlive: true, maxSockets: 1 }) : new http.Agent({ keepAlive: true, maxSockets: 1 });
  const request = tls ? https.request : http.request;
  const send = (body: Buffer, signal: AbortSignal) =>
    new Promise<boolean>((resolve) => {
      let settled = false;
      const fail = (reason: string) => {
        if (settled) return;
        settled = true;
        opts.onFailure(reason);
        resolve(false);
      };
      const req = request(url, { method: 'POST', agent, signal, timeout: opts.timeoutMs, headers: { ...opts.headers, 'content-type': opts.contentType, 'content-length': body.length } }, (res) => {
        const status = res.statusCode ?? 0;
        // The response body (an ExportTraceServiceResponse, maybe a partial success) is read and
        // dropped: the socket goes back to the pool only once it is consumed.
        res.resume();
        res.on('end', () => {
          if (status < 200 || status >= 300) return fail(`HTTP ${status}`);
          settled = true;
          resolve(true);
        });
        res.on('error', (err) => fail(err.message));
      });
      req.on('timeout', () => req.destroy(new Error(`no answer in ${opts.timeoutMs} ms`)));
      req.on('error', (err) => fail(err.message));
      req.end(body);
    });
  return { send, close: () => agent.destroy() };
}
