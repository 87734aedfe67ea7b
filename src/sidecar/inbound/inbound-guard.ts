import net, { type Socket } from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import type { IncomingHttpHeaders } from 'node:http2';
import type { MeshError } from '../../errors/mesh-error';
import type { MeshTls } from '../../identity/mesh-tls';
import { PeerHeaders } from '../../protocol/peer-headers';
import { muxAlpn } from '../peer/mux-frame';
import type { AccessGate } from './access-gate';
import type { RateGate } from '../limits/rate-gate';
import type { RevocationGate } from './revocation-gate';

/** Who may reach the peer listener, who the caller is, and whether its call may go on. */
export interface InboundGuard {
  /**
   * The peer port: mTLS with the mesh CA when the mesh has one (ALPN offers the mux framing and
   * h2), else plain TCP. `onSocket` gets each connection once it is secured.
   */
  createListener(onSocket: (socket: Socket) => void): net.Server;
  /** The calling app: from the client certificate under mTLS (any caller header is ignored), else the header. */
  callerOf(socket: Socket | undefined, headers: IncomingHttpHeaders): string;
  /** undefined lets the call through; a MeshError refuses it before it reaches the provider (a revoked certificate, access, then rate limits). */
  admit(caller: string, service: string, method: string, socket: Socket | undefined): MeshError | undefined;
}

/**
 * On a mesh with a CA the TLS handshake itself refuses plaintext, certificate-less and
 * foreign-CA clients; a renewed certificate is swapped into the listening server for new
 * connections. Without a CA the caller is whatever the calling sidecar says (docs/security.md).
 */
export function inboundGuard(meshTls: MeshTls | undefined, access: AccessGate | undefined, rate?: RateGate, revoked?: RevocationGate): InboundGuard {
  const callers = new WeakMap<Socket, string>();
  return {
    createListener(onSocket) {
      if (!meshTls) return net.createServer({ noDelay: true }, onSocket);
      // Server preference: a client offering both gets the mux framing; an older one offering h2 only gets h2.
      const options = () => ({ ...meshTls.serverOptions(), ALPNProtocols: [muxAlpn, 'h2'] });
      const server = tls.createServer(options(), onSocket);
      meshTls.onUpdate(() => server.setSecureContext(options()));
      return server;
    },
    callerOf(socket, headers) {
      if (!meshTls) return String(headers[PeerHeaders.caller] ?? 'unknown');
      if (!socket) return 'unknown';
      let caller = callers.get(socket);
      if (caller === undefined) {
        // Verified by the handshake (rejectUnauthorized); read once per connection.
        caller = meshTls.appOf((socket as TLSSocket).getPeerCertificate()) ?? 'unknown';
        callers.set(socket, caller);
      }
      return caller;
    },
    // Who before what: a revoked caller is not asked about access; a caller refused outright spends no rate tokens.
    admit: (caller, service, method, socket) => (socket && revoked?.refusal(socket, caller)) || (access?.admit(caller, service, method) ?? rate?.admit(caller, service)),
  };
}
