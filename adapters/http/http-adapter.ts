import { checkedBy, type ProtocolAdapter } from '../../src/protocol/protocol-adapter';
import { HttpProvider } from './http-provider';
import { parseHttpUrl } from './http-url';
import { FastcgiProvider } from './fastcgi-provider';
import { parseFastcgiUrl } from './fastcgi-url';

/**
 * Providers that speak HTTP/JSON: a service of any IDL (`.proto` or `.thrift`) served by a plain
 * web application (`http://`), or by a PHP script straight over FastCGI (`fastcgi://`, `fastcgi+unix://`). No IDL of its own: calls are converted with the service's IDL.
 */
const checkHttp = checkedBy(parseHttpUrl);
const checkFastcgi = checkedBy(parseFastcgiUrl);

export const httpAdapter: ProtocolAdapter = {
  name: 'http',
  providers: {
    schemes: ['http', 'fastcgi', 'fastcgi+unix'],
    anyIdl: true,
    check: (url) => (url.startsWith('http:') ? checkHttp(url) : checkFastcgi(url)),
    create: (service, url, options) => (url.startsWith('http:') ? new HttpProvider(service, url, options) : new FastcgiProvider(service, url, options)),
  },
};
