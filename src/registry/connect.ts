import { readFileSync } from 'node:fs';
import { connect, ConnectionOptions, credsAuthenticator, NatsConnection } from 'nats';
import { natsServers } from '../config/addresses';

/** A NATS server that cannot be reached: the CLI prints this as its one-line reason. */
export class NatsUnreachable extends Error {}

/** How a process proves itself to NATS and checks the server (docs/security.md): a creds file, a CA for TLS. */
export interface NatsAuth {
  /** A `.creds` file (user JWT and NKey seed), as `nats-server` operator mode issues them. */
  readonly creds?: string;
  /** PEM CA bundle that signed the server's certificate; implies TLS. */
  readonly ca?: string;
}

/**
 * Connects once, failing fast with a clear reason when nothing answers; after that the
 * client reconnects for ever, and the sidecar keeps serving its last snapshots meanwhile.
 */
export async function connectNats(url: string, name: string, auth: NatsAuth = {}): Promise<NatsConnection> {
  try {
    return await connect({
      ...authOptions(url, auth),
      name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      reconnectJitter: 250,
      reconnectJitterTLS: 1000,
      // A peer that vanishes without a FIN (power loss, partition) is noticed within ~20 s.
      pingInterval: 10_000,
      maxPingOut: 2,
      timeout: 3000,
    });
  } catch (err) {
    throw new NatsUnreachable(`cannot reach NATS at ${redact(url)}: ${(err as Error).message}`);
  }
}

/**
 * nats.js takes neither `user:password@` in a URL nor the `tls://` scheme: both become options
 * here, so operators can write URLs as the nats CLI and servers accept them.
 */
export function authOptions(url: string, auth: NatsAuth): ConnectionOptions {
  const opts: ConnectionOptions = {};
  let tls = !!auth.ca;
  const servers = natsServers(url).map((raw) => {
    const m = /^(\w+):\/\/(?:([^:@/]*)(?::([^@/]*))?@)?(.*)$/.exec(raw.trim());
    if (!m) return raw.trim();
    const [, scheme, user, pass, rest] = m;
    if (user !== undefined && opts.user === undefined) {
      opts.user = decodeURIComponent(user);
      opts.pass = pass === undefined ? undefined : decodeURIComponent(pass);
    }
    if (scheme === 'tls') tls = true;
    return `${scheme === 'tls' ? 'nats' : scheme}://${rest}`;
  });
  opts.servers = servers;
  if (tls) opts.tls = auth.ca ? { caFile: auth.ca } : {};
  if (auth.creds) opts.authenticator = credsAuthenticator(readFileSync(auth.creds));
  return opts;
}

/** A URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/:\/\/([^:@/]*):[^@/]*@/g, '://$1:***@');
}
