import { join } from 'node:path';
import { LOCAL, type ExampleMesh } from './example-mesh';
import { freePort } from './processes';
import { startPhpFpm } from './php-fpm';
import { pushIdl } from './push-idl';
import { repoRoot } from '../config/repo-root';

export const CATALOG = 'acme.catalog.v1.CatalogService';
export const INVENTORY = 'inventory.InventoryService';
const script = join(repoRoot, 'examples-php', 'catalog.php');

/**
 * The PHP app of examples-php/catalog.php, which serves both services of its IDL, run twice:
 * under PHP's built-in server (reached over http://) and under PHP-FPM (over fastcgi://, no web
 * server), each behind a provider sidecar of the app `catalog-php` labelled `php=builtin` or
 * `php=fpm`, so the policy in examples-policy/ can route between them.
 */
export async function startPhpProviders(mesh: ExampleMesh): Promise<void> {
  const idl = join(repoRoot, 'idl');
  await pushIdl(mesh.cli, mesh.config.nats, [join(idl, 'acme/catalog/v1/catalog.proto'), join(idl, 'inventory.thrift')], [idl]);

  const httpPort = await freePort();
  await mesh.tree.start('php -S', 'php', ['-S', `127.0.0.1:${httpPort}`, script], (l) => l.includes('Development Server') && l.includes('started'));
  const fpmPort = await freePort();
  mesh.tree.adopt(await startPhpFpm(`127.0.0.1:${fpmPort}`));
  mesh.say(`PHP app ${script}: php -S on ${httpPort}, php-fpm on ${fpmPort}`);

  // int64=number: 64-bit integers reach PHP as ints, not strings.
  const http = `http://127.0.0.1:${httpPort}?int64=number`;
  const fastcgi = `fastcgi://127.0.0.1:${fpmPort}?script=${encodeURIComponent(script).replace(/%2F/g, "/")}&int64=number`;
  for (const [label, url] of [['builtin', http], ['fpm', fastcgi]] as const) {
    await mesh.sidecar('catalog-php', [...LOCAL, '--label', `php=${label}`, '--provide', `${CATALOG}=${url}`, '--provide', `${INVENTORY}=${url}`]);
  }
  mesh.say(`provider sidecars of catalog-php: ${CATALOG} and ${INVENTORY} at ${http} (php=builtin) and ${fastcgi} (php=fpm)`);
}
