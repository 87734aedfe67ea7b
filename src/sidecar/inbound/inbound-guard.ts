import http2, { Http2SecureServer, Http2Server, Http2Session, IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import type { MeshError } from '../../errors/mesh-error';
import type { MeshTls } from '../../identity/mesh-tls';
import { PeerHeaders } from '../../transport/peer/peer-headers';
import type { AccessGate } from './access-gate';
import type { RateGate } from '../limits/rate-gate';

/** Who may reach the peer listener, who the caller is, and whether its call may go on. */
export interface InboundGuard {
  /** mTLS with the mesh CA when the mesh has one, else h2c. */
  createServer(settings: http2.Settings): Http2Server | Http2SecureServer;
  /** The calling app: from the client certificate under mTLS (any caller header is ignored), else the header. */
  callerOf(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): string;
  /** undefined lets the call through; a MeshError refuses it before it reaches the provider (access, then rate limits). */
  admit(caller: string, service: string, method: string): MeshError | undefined;
}

/**
 * On a mesh with a CA the TLS handshake itself refuses plaintext, certificate-less and
 * foreign-CA clients; a renewed certificate is swapped into the listening server for new
 * connections. Without a CA the caller is whatever the calling sidecar says (docs/security.md).
 */
export function inboundGuard(tls: MeshTls | undefined, access: AccessGate | undefined, rate?: RateGate): InboundGuard {
  const callers = new WeakMap<Http2Session, string>();
  return {
    createServer(settings) {
      if (!tls) return http2.createServer({ settings });
      const server = http2.createSecureServer({ ...tls.serverOptions(), settings });
      tls.onUpdate(() => server.setSecureContext(tls.serverOptions()));
      return server;
    },
    callerOf(stream, headers) {
      if (!tls) return String(headers[PeerHeaders.caller] ?? 'unknown');
      const session = stream.session;
      if (!session) return 'unknown';
      let caller = callers.get(session);
      if (caller === undefined) {
        // Verified by the handshake (rejectUnauthorized); read once per session.
        caller = tls.appOf((session.socket as TLSSocket).getPeerCertificate()) ?? 'unknown';
        callers.set(session, caller);
      }
      return caller;
    },
    // Access first: a caller refused outright spends no rate tokens.
    admit: (caller, service, method) => access?.admit(caller, service, method) ?? rate?.admit(caller, service),
  };
}
