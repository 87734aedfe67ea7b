import { isAbsolute } from 'node:path';
import type { FcgiTarget } from './fastcgi-client';
import { jsonOptionsOf } from './http-url';

export interface FastcgiProviderUrl {
  readonly target: FcgiTarget;
  /** SCRIPT_FILENAME: the PHP script that serves every method. */
  readonly script: string;
  readonly int64AsNumber: boolean;
}

/**
 * `fastcgi://HOST:PORT?script=/PATH/TO/SCRIPT.php[&int64=number]`, or
 * `fastcgi+unix:///run/php/php-fpm.sock?script=…`; throws Error with a one-line reason.
 */
export function parseFastcgiUrl(url: string): FastcgiProviderUrl {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`invalid provider URL "${url}": expected fastcgi://host:port?script=/path/to/script.php`);
  }
  const bad = (why: string): never => {
    throw new Error(`invalid provider URL "${url}": ${why}`);
  };
  if (u.username || u.password) bad('credentials are not supported');
  if (u.hash) bad('a fragment is not allowed');
  let target: FcgiTarget;
  if (u.protocol === 'fastcgi:') {
    if (!u.hostname || !u.port) bad('expected fastcgi://host:port');
    if (u.pathname !== '' && u.pathname !== '/') bad('a path is not allowed (the script is ?script=…)');
    target = { host: u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname, port: Number(u.port) };
  } else if (u.protocol === 'fastcgi+unix:') {
    if (u.hostname) bad('expected fastcgi+unix:///path/to/socket (three slashes)');
    if (!u.pathname || u.pathname === '/') bad('missing the socket path');
    target = { path: decodeURIComponent(u.pathname) };
  } else return bad(`scheme must be fastcgi:// or fastcgi+unix://, not ${u.protocol}//`);
  const script = u.searchParams.get('script');
  if (!script) bad('missing ?script=/path/to/script.php');
  if (!isAbsolute(script!)) bad('script must be an absolute path');
  const { int64AsNumber } = jsonOptionsOf(u.searchParams, ['script'], bad);
  return { target, script: script!, int64AsNumber };
}
