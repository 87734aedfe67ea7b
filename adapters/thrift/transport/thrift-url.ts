import type { ThriftProtocolName } from '../thrift-model';

export type ThriftTransportName = 'framed' | 'buffered';

export interface ParsedThriftUrl {
  readonly host: string;
  readonly port: number;
  readonly transport: ThriftTransportName;
  readonly protocol: ThriftProtocolName;
  /** `thrift://host:port` without options, for messages. */
  readonly address: string;
}

/**
 * `thrift://host:port[?transport=framed|buffered][&protocol=binary|compact]`; framed binary by
 * default. Throws Error with a one-line reason on anything else.
 */
export function parseThriftUrl(url: string): ParsedThriftUrl {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`invalid thrift URL "${url}": expected thrift://host:port`);
  }
  const bad = (why: string): never => {
    throw new Error(`invalid thrift URL "${url}": ${why}`);
  };
  if (u.protocol !== 'thrift:') bad(`scheme must be thrift://, not ${u.protocol}//`);
  if (u.username || u.password) bad('credentials are not supported');
  if (!u.hostname) bad('missing host');
  if (!u.port) bad('missing port');
  if (u.pathname !== '' && u.pathname !== '/') bad('a path is not allowed');
  if (u.hash) bad('a fragment is not allowed');
  let transport: ThriftTransportName = 'framed';
  let protocol: ThriftProtocolName = 'binary';
  for (const [k, v] of u.searchParams) {
    if (k === 'transport') {
      if (v !== 'framed' && v !== 'buffered') bad(`transport must be framed or buffered, not "${v}"`);
      transport = v as ThriftTransportName;
    } else if (k === 'protocol') {
      if (v !== 'binary' && v !== 'compact') bad(`protocol must be binary or compact, not "${v}"`);
      protocol = v as ThriftProtocolName;
    } else bad(`unknown option "${k}" (transport, protocol)`);
  }
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  const port = Number(u.port);
  return { host, port, transport, protocol, address: `thrift://${u.host}` };
}
