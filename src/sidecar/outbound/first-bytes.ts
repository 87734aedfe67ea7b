/** The client connection preface of HTTP/2 (RFC 9113 3.4): what a gRPC client with prior knowledge sends first. */
const h2Preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export type AppProtocol = 'h2' | 'http1';

/**
 * Which protocol a connection to the app listener speaks, from its first bytes: HTTP/2 when
 * they are the whole preface, HTTP/1 as soon as they differ from it (no HTTP/1 request starts
 * with `PRI * HTTP/2.0`: RFC 9113 made the method unusable there for this reason); undefined
 * while they are still a prefix of it and more must be read. One byte is not enough: `POST`
 * starts with the preface's `P`.
 */
export function protocolOf(first: Uint8Array): AppProtocol | undefined {
  const n = Math.min(first.length, h2Preface.length);
  for (let i = 0; i < n; i++) if (first[i] !== h2Preface[i]) return 'http1';
  return n === h2Preface.length ? 'h2' : undefined;
}
