import type { ThriftProtocolName } from '../thrift-model';
import type { ThriftTransportName } from '../transport/thrift-url';

/** How one caller's connection speaks: its transport and its protocol, fixed for the connection. */
export interface ThriftWire {
  readonly transport: ThriftTransportName;
  readonly protocol: ThriftProtocolName;
}

/** Bytes that start no Thrift message a client of this listener may send. */
export const notThrift = 'not-thrift';

/**
 * The wire of a connection from its first bytes: a strict binary message starts 0x80 0x01
 * (the version word), a compact one 0x82 then version 1 in the low five bits; framed transport
 * puts a 4-byte big-endian length before either. A frame length cannot start 0x80 or more (it
 * would be 2 GiB or over), so the first byte alone tells framed from unframed; the frame's size is
 * checked against the limit by the reader. Undefined while more bytes are
 * needed; `notThrift` for anything else (HTTP, TLS, the old non-strict binary form).
 */
export function detectWire(first: Uint8Array): ThriftWire | typeof notThrift | undefined {
  if (first.length === 0) return undefined;
  if (first[0] >= 0x80) return wireOf('buffered', protocolAt(first, 0));
  return first.length < 5 ? undefined : wireOf('framed', protocolAt(first, 4));
}

function wireOf(transport: ThriftWire['transport'], protocol: ThriftProtocolName | typeof notThrift | undefined): ThriftWire | typeof notThrift | undefined {
  return protocol === undefined || protocol === notThrift ? protocol : { transport, protocol };
}

/** The protocol of a message starting at `at` (both bytes of its marker); undefined while the second byte is not in yet. */
function protocolAt(b: Uint8Array, at: number): ThriftProtocolName | typeof notThrift | undefined {
  const marker = b[at];
  if (marker !== 0x80 && marker !== 0x82) return notThrift;
  if (b.length < at + 2) return undefined;
  if (marker === 0x80) return b[at + 1] === 0x01 ? 'binary' : notThrift;
  return (b[at + 1] & 0x1f) === 1 ? 'compact' : notThrift;
}
