import { checkedBy, type ProtocolAdapter } from '../../src/protocol/protocol-adapter';
import { HttpProvider } from './http-provider';
import { parseHttpUrl } from './http-url';

/**
 * Providers that speak HTTP/JSON: a service of any IDL (`.proto` or `.thrift`) served by a plain
 * web application. No IDL of its own: calls are converted with the service's IDL.
 */
export const httpAdapter: ProtocolAdapter = {
  name: 'http',
  providers: {
    schemes: ['http'],
    anyIdl: true,
    check: checkedBy(parseHttpUrl),
    create: (service, url, options) => new HttpProvider(service, url, options),
  },
};
