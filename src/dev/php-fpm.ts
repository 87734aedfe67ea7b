import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Proc, spawnProc } from './processes';

/** PHP-FPM's binary: TRANSMESH_PHP_FPM, else Debian's /usr/sbin/php-fpm<version> (as scripts/ensure-tools.sh installs it). */
export function phpFpmBinary(): string | undefined {
  if (process.env.TRANSMESH_PHP_FPM) return process.env.TRANSMESH_PHP_FPM;
  const sbin = existsSync('/usr/sbin') ? readdirSync('/usr/sbin').filter((f) => /^php-fpm[\d.]*$/.test(f)).sort() : [];
  return sbin.length ? join('/usr/sbin', sbin[sbin.length - 1]!) : undefined;
}

/**
 * A PHP-FPM master in the foreground with one static pool listening on `listen` (`127.0.0.1:PORT`
 * or a socket path), its own pid file and config in a temporary folder (removed when it exits);
 * ready once it says so. The demo and the tests start it the same way.
 */
export async function startPhpFpm(listen: string, onLine?: (raw: string) => void, maxChildren = 2): Promise<Proc> {
  const bin = phpFpmBinary();
  if (!bin) throw new Error('php-fpm not found (apt-get install php-fpm, or set TRANSMESH_PHP_FPM)');
  const dir = mkdtempSync(join(tmpdir(), 'transmesh-fpm-'));
  const conf = join(dir, 'fpm.conf');
  // As root, FPM needs -R and a pool user; `user` is ignored (with a notice) otherwise. Its log goes
  // to a file and, with -O, to our stderr pipe too (it cannot open /proc/self/fd/2 on a socket).
  writeFileSync(
    conf,
    ['[global]', `pid = ${join(dir, 'fpm.pid')}`, `error_log = ${join(dir, 'fpm.log')}`, 'daemonize = no', '[www]', 'user = root', 'group = root', `listen = ${listen}`, 'pm = static', `pm.max_children = ${maxChildren}`, 'clear_env = no', 'catch_workers_output = yes', ''].join('\n'),
  );
  const proc = spawnProc('php-fpm', bin, ['-R', '-F', '-O', '-y', conf, '-p', dir], { onLine });
  void proc.exited.then(() => rmSync(dir, { recursive: true, force: true }));
  await proc.waitFor((_l, text) => text.includes('ready to handle connections'), 'php-fpm ready');
  return proc;
}
