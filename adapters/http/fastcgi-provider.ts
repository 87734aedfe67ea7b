import type { InboundCall, ProviderOptions } from '../../src/protocol/provider';
import { parseCgiResponse } from './cgi-response';
import { FcgiClient } from './fastcgi-client';
import { parseFastcgiUrl, type FastcgiProviderUrl } from './fastcgi-url';
import { JsonProvider, type JsonAnswer } from './json-provider';
import { providerHeaders, responseMetadata } from './provider-request';

/** PHP-FPM's default pm.max_children is 5; more connections than children only queue there. */
const maxConnections = 64;

/**
 * A service provided by a PHP script straight over FastCGI, with no web server (as Weibo's Motan
 * mesh talks to PHP-FPM): the same exchange as an HTTP/JSON provider's, the request as CGI
 * params and STDIN, the answer read from the script's `Status:` header and body.
 */
export class FastcgiProvider extends JsonProvider {
  private readonly url: FastcgiProviderUrl;
  private readonly client: FcgiClient;

  constructor(service: string, url: string, options?: Partial<ProviderOptions>) {
    const parsed = parseFastcgiUrl(url);
    super(service, parsed.int64AsNumber);
    this.url = parsed;
    this.client = new FcgiClient(this.url.target, { maxConnections, idleTimeoutMs: options?.idleTimeoutMs ?? 300_000, maxBytes: options?.maxMessageBytes ?? 4 * 1024 * 1024 });
  }

  protected async exchange(call: InboundCall, body: Buffer, remaining: number): Promise<JsonAnswer> {
    const out = await this.client.request({ params: this.params(call, remaining, body.length), stdin: body, deadline: call.deadline, cancel: call.cancel });
    const res = parseCgiResponse(out);
    return { status: res.status, body: res.body, metadata: responseMetadata(res.headers) };
  }

  close(): void {
    this.client.close();
  }

  /** CGI/1.1 params: the script, the method's path, and the provider headers as HTTP_*. */
  private params(call: InboundCall, remaining: number, length: number): Record<string, string> {
    const params: Record<string, string> = {
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_SOFTWARE: 'transmesh',
      SERVER_PROTOCOL: 'HTTP/1.1',
      REQUEST_METHOD: 'POST',
      SCRIPT_FILENAME: this.url.script,
      SCRIPT_NAME: this.url.script,
      REQUEST_URI: call.path,
      PATH_INFO: call.path,
      DOCUMENT_URI: call.path,
      QUERY_STRING: '',
      CONTENT_TYPE: 'application/json',
      CONTENT_LENGTH: String(length),
    };
    for (const [name, value] of Object.entries(providerHeaders(call, remaining, length))) {
      if (name === 'content-type' || name === 'content-length') continue;
      params[`HTTP_${name.toUpperCase().replace(/-/g, '_')}`] = value;
    }
    return params;
  }
}
