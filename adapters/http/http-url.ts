/** A `--provide SVC=http://HOST:PORT[/PREFIX][?OPTS]` URL, checked at start. */
export interface HttpProviderUrl {
  readonly host: string;
  readonly port: number;
  /** Prepended to `/<service>/<method>`; empty or starting with `/`, no trailing `/`. */
  readonly prefix: string;
  /** `int64=number`: 64-bit integers go to the provider as bare exact JSON numbers. */
  readonly int64AsNumber: boolean;
}

/**
 * Parses an HTTP provider URL; throws Error with a one-line reason. The options are the JSON
 * output options of the request the provider receives, written as a query.
 */
export function parseHttpUrl(url: string): HttpProviderUrl {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`invalid provider URL "${url}": expected http://host:port[/prefix][?int64=number]`);
  }
  const bad = (why: string): never => {
    throw new Error(`invalid provider URL "${url}": ${why}`);
  };
  if (u.protocol !== 'http:') bad(`scheme must be http://, not ${u.protocol}//`);
  if (u.username || u.password) bad('credentials are not supported');
  if (!u.hostname) bad('missing host');
  // URL drops a default port (80): read it from the authority as written.
  const port = u.port || /^http:\/\/(?:\[[^\]]*\]|[^/?#:]*):(\d+)/i.exec(url)?.[1];
  if (!port) bad('missing port (http://host:port)');
  if (u.hash) bad('a fragment is not allowed');
  const { int64AsNumber } = jsonOptionsOf(u.searchParams, [], bad);
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return { host, port: Number(port), prefix: u.pathname.replace(/\/+$/, ''), int64AsNumber };
}

/**
 * The JSON options of a provider URL's query (`int64=number`); `own` names the scheme's other
 * options, left to the caller; anything else is refused through `bad`.
 */
export function jsonOptionsOf(params: URLSearchParams, own: readonly string[], bad: (why: string) => never): { int64AsNumber: boolean } {
  let int64AsNumber = false;
  for (const [k, v] of params) {
    if (k === 'int64') {
      if (v !== 'number' && v !== 'string') bad(`int64 must be number or string, not "${v}"`);
      int64AsNumber = v === 'number';
    } else if (!own.includes(k)) bad(`unknown option "${k}" (${[...own.map((o) => `${o}=…`), 'int64=number'].join(', ')})`);
  }
  return { int64AsNumber };
}
