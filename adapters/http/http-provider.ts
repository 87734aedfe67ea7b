import http from 'node:http';
import { MeshError } from '../../src/errors/mesh-error';
import { errorReplyFor, type InboundCall, type InboundReply, type Provider, type ProviderOptions } from '../../src/protocol/provider';
import { unframe } from '../../src/transport/grpc/grpc-frame';
import { isUserMetadata } from '../../src/transport/grpc/metadata';
import { parseHttpUrl, type HttpProviderUrl } from './http-url';
import { replyOfAnswer } from './json-answer';

const passOn = ['x-request-id', 'traceparent', 'tracestate'];

/**
 * A service provided by a plain HTTP/JSON application (a PHP app, typically): each call is a
 * `POST <prefix>/<service>/<method>` with the request as JSON, mapped exactly as for a JSON caller,
 * on kept-alive pooled connections; the answer is read by `replyOfAnswer`.
 */
export class HttpProvider implements Provider {
  readonly protocol = 'http';
  readonly encoding = undefined;
  readonly rpcSystem = 'http_json';
  private readonly url: HttpProviderUrl;
  private readonly agent: http.Agent;
  private readonly maxBytes: number;

  constructor(
    readonly service: string,
    url: string,
    options?: Partial<ProviderOptions>,
  ) {
    this.url = parseHttpUrl(url);
    this.maxBytes = options?.maxMessageBytes ?? 4 * 1024 * 1024;
    this.agent = new http.Agent({ keepAlive: true, timeout: options?.idleTimeoutMs ?? 300_000, scheduling: 'lifo' });
  }

  async call(call: InboundCall): Promise<InboundReply> {
    try {
      const model = call.model;
      if (!model) throw Object.assign(new MeshError('UNAVAILABLE', `${call.service}/${call.method} is not in this sidecar's IDL snapshot`), { retryable: true });
      const json = model.provider.decodeRequest(unframe([call.body]), undefined, { int64AsNumber: this.url.int64AsNumber });
      const answer = await this.post(call, Buffer.from(json));
      return replyOfAnswer(model, answer.status, answer.body, answer.metadata);
    } catch (err) {
      return errorReplyFor(MeshError.from(err));
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private post(call: InboundCall, body: Buffer): Promise<{ status: number; body: string; metadata: Record<string, string> }> {
    return new Promise((resolve, reject) => {
      const remaining = call.deadline - Date.now();
      if (remaining <= 0) return reject(new MeshError('DEADLINE_EXCEEDED', 'deadline exceeded before the call was sent'));
      const headers: http.OutgoingHttpHeaders = {
        'content-type': 'application/json',
        'content-length': body.length,
        'x-transmesh-caller': call.caller,
        'x-transmesh-timeout-ms': String(Math.max(1, Math.floor(remaining))),
      };
      for (const key of passOn) if (call.headers[key] !== undefined) headers[key] = call.headers[key];
      for (const key in call.headers) if (isUserMetadata(key) && !passOn.includes(key)) headers[`grpc-metadata-${key}`] = call.headers[key];
      let done = false;
      const finish = (err: MeshError | undefined, value?: { status: number; body: string; metadata: Record<string, string> }) => {
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
        finish(Object.assign(new MeshError('UNAVAILABLE', `${this.url.host}:${this.url.port}: ${err.message}`), { retryable: err.code === 'ECONNREFUSED' }));
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
        res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), metadata: metadataOf(res.headers) }));
        res.on('error', (err) => finish(new MeshError('UNAVAILABLE', `the provider's answer broke off: ${err.message}`)));
      });
      const timer = setTimeout(() => finish(new MeshError('DEADLINE_EXCEEDED', `deadline exceeded after ${Math.round(remaining)} ms`)), remaining);
      if (!call.cancel.set(() => finish(new MeshError('CANCELLED', 'the caller went away')))) return finish(new MeshError('CANCELLED', 'the caller went away'));
      req.end(body);
    });
  }
}

/** The provider's `grpc-metadata-<key>` response headers, as the caller's response metadata. */
function metadataOf(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key in headers) {
    if (!key.startsWith('grpc-metadata-')) continue;
    const v = headers[key];
    if (v !== undefined) out[key.slice('grpc-metadata-'.length)] = Array.isArray(v) ? v.join(',') : v;
  }
  return out;
}
