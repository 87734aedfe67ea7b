import http from 'node:http';
import { MeshError } from '../../src/errors/mesh-error';
import type { InboundCall, ProviderOptions } from '../../src/protocol/provider';
import { parseHttpUrl, type HttpProviderUrl } from './http-url';
import { JsonProvider, type JsonAnswer } from './json-provider';
import { providerHeaders, responseMetadata } from './provider-request';

/**
 * A service provided by a plain HTTP/JSON application (a PHP app, typically): each call is a
 * `POST <prefix>/<service>/<method>` with the request as JSON, mapped exactly as for a JSON caller,
 * on kept-alive pooled connections; the answer is read by `replyOfAnswer`.
 */
export class HttpProvider extends JsonProvider {
  private readonly url: HttpProviderUrl;
  private readonly agent: http.Agent;
  private readonly maxBytes: number;

  constructor(service: string, url: string, options?: Partial<ProviderOptions>) {
    const parsed = parseHttpUrl(url);
    super(service, parsed.int64AsNumber);
    this.url = parsed;
    this.maxBytes = options?.maxMessageBytes ?? 4 * 1024 * 1024;
    this.agent = new http.Agent({ keepAlive: true, timeout: options?.idleTimeoutMs ?? 300_000, scheduling: 'lifo' });
  }

  close(): void {
    this.agent.destroy();
  }

  protected exchange(call: InboundCall, body: Buffer, remaining: number): Promise<JsonAnswer> {
    return new Promise((resolve, reject) => {
      const headers = providerHeaders(call, remaining, body.length);
      let done = false;
      const finish = (err: MeshError | undefined, value?: JsonAnswer) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        call.cancel.set(undefined);
        if (err) {
          req.destroy();
          reject(err);
        } else resolve(value!);
      };
      const req = http.request({ agent: this.agent, host: this.url.host, port: this.url.port, method: 'POST', path: `${this.url.prefix}${call.path}`, headers });
      req.on('error', (err: NodeJS.ErrnoException) => {
        // A refused connection proves the provider never saw the call: another one may take it.
        finish(new MeshError('UNAVAILABLE', `${this.url.host}:${this.url.port}: ${err.message}`, { retryable: err.code === 'ECONNREFUSED' }));
      });
      req.on('response', (res) => {
        const declared = Number(res.headers['content-length'] ?? 0);
        if (declared > this.maxBytes) return finish(new MeshError('RESOURCE_EXHAUSTED', `the provider's answer of ${declared} bytes is over the ${this.maxBytes}-byte limit`));
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > this.maxBytes) return finish(new MeshError('RESOURCE_EXHAUSTED', `the provider's answer is over the ${this.maxBytes}-byte limit`));
          chunks.push(c);
        });
        res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), metadata: responseMetadata(res.headers) }));
        res.on('error', (err) => finish(new MeshError('UNAVAILABLE', `the provider's answer broke off: ${err.message}`)));
      });
      const timer = setTimeout(() => finish(new MeshError('DEADLINE_EXCEEDED', `deadline exceeded after ${Math.round(remaining)} ms`)), remaining);
      if (!call.cancel.set(() => finish(new MeshError('CANCELLED', 'the caller went away')))) return finish(new MeshError('CANCELLED', 'the caller went away'));
      req.end(body);
    });
  }
}
