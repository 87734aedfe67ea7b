import type { IncomingHttpHeaders } from 'node:http';
import type { InboundCall } from '../../src/protocol/provider';
import { isUserMetadata } from '../../src/transport/grpc/metadata';

const passOn = ['x-request-id', 'traceparent', 'tracestate'];

/**
 * The headers an HTTP/JSON provider gets with a call (docs/http-providers.md), whatever carries
 * it: the caller, the request id and trace context, the time left, and the caller's metadata as
 * `grpc-metadata-<key>`. Names in lower case.
 */
export function providerHeaders(call: InboundCall, remainingMs: number, contentLength: number): Record<string, string> {
  const out: Record<string, string> = {
    'content-type': 'application/json',
    'content-length': String(contentLength),
    'x-transmesh-caller': call.caller,
    'x-transmesh-timeout-ms': String(Math.max(1, Math.floor(remainingMs))),
  };
  for (const key of passOn) {
    const v = call.headers[key];
    if (v !== undefined) out[key] = String(v);
  }
  for (const key in call.headers) {
    if (!isUserMetadata(key) || passOn.includes(key)) continue;
    const v = call.headers[key];
    if (v !== undefined) out[`grpc-metadata-${key}`] = Array.isArray(v) ? v.join(',') : String(v);
  }
  return out;
}

/** The provider's `grpc-metadata-<key>` response headers, as the caller's response metadata. */
export function responseMetadata(headers: IncomingHttpHeaders | Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key in headers) {
    if (!key.startsWith('grpc-metadata-')) continue;
    const v = headers[key];
    if (v !== undefined) out[key.slice('grpc-metadata-'.length)] = Array.isArray(v) ? v.join(',') : v;
  }
  return out;
}
