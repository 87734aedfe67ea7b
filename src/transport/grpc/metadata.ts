import type { IncomingHttpHeaders } from 'node:http2';

/**
 * Headers that belong to the transport or to the mesh, never to the application's metadata.
 * Everything else a provider sends back is metadata and is echoed to the caller.
 */
const reserved = new Set(['content-type', 'te', 'date', 'user-agent', 'grpc-status', 'grpc-message', 'grpc-status-details-bin', 'grpc-encoding', 'grpc-accept-encoding', 'grpc-timeout', 'content-length', 'accept-encoding', 'server']);

export function isUserMetadata(key: string): boolean {
  return key[0] !== ':' && !reserved.has(key) && !key.startsWith('x-transmesh-');
}

export function collectMetadata(into: Record<string, string>, headers: IncomingHttpHeaders | undefined): void {
  if (!headers) return;
  for (const key of Object.keys(headers)) {
    if (!isUserMetadata(key)) continue;
    const v = headers[key];
    if (v !== undefined) into[key] = Array.isArray(v) ? v.join(',') : String(v);
  }
}
