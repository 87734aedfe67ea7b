import net, { Socket } from 'node:net';
import { defaultLimits, Limits } from '../../config/sidecar-config';
import type { HttpListener } from './http-listener';
import type { GrpcListener } from './grpc-listener';
import { protocolOf } from './first-bytes';
import { listenAt } from './listen-at';

/**
 * The app listener (`--listen`, :15001): HTTP/JSON callers and native gRPC callers on one port,
 * told apart per connection by its first bytes (first-bytes.ts). The bytes read to decide are put
 * back on the socket, which then belongs to the HTTP/1 or the HTTP/2 listener.
 */
export class AppListener {
  private readonly server: net.Server;

  constructor(
    private readonly http: HttpListener,
    private readonly grpc: GrpcListener,
    private readonly limits: Limits = defaultLimits,
  ) {
    // node:http and node:http2 servers turn Nagle off on the sockets they accept; a bare net.Server
    // does not, and a reply written in two pieces then waits for the caller's delayed ACK.
    this.server = net.createServer({ noDelay: true }, (socket) => this.onSocket(socket));
  }

  listen(host: string, port: number): Promise<string> {
    return listenAt(this.server, host, port);
  }

  get callsInFlight(): number {
    return this.http.callsInFlight + this.grpc.callsInFlight;
  }

  /** Stops accepting; resolves once both listeners answered their calls in flight. */
  async close(): Promise<void> {
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    await Promise.all([this.http.close(), this.grpc.close()]);
    await closed;
  }

  /** Ends every connection of both listeners, calls in flight too (a drain that ran out of time). */
  closeConnections(): void {
    this.http.closeConnections();
    this.grpc.closeConnections();
  }

  private onSocket(socket: Socket): void {
    socket.on('error', () => undefined);
    // A connection that never says which it speaks is not kept for ever (HTTP/1's header timeout).
    socket.setTimeout(Math.min(60_000, this.limits.bodyTimeoutMs), () => socket.destroy());
    let seen: Buffer = Buffer.alloc(0);
    const sniff = (c: Buffer) => {
      seen = seen.length ? Buffer.concat([seen, c]) : c;
      const protocol = protocolOf(seen);
      if (protocol === undefined) return;
      socket.off('data', sniff);
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(seen);
      if (protocol === 'h2') this.grpc.accept(socket);
      else this.http.accept(socket);
    };
    socket.on('data', sniff);
  }
}
