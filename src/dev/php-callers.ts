import { join } from 'node:path';
import type { ExampleMesh } from './example-mesh';
import { runToEnd } from './processes';
import { summaryOf, type DirectionResult } from './directions';
import { CATALOG } from './php-providers';
import { repoRoot } from '../config/repo-root';

/** PHP → Java: examples-php/client.php through the PHP app's sidecar to the Java gRPC and Thrift providers. */
export async function phpToJava(mesh: ExampleMesh): Promise<DirectionResult> {
  const php = await runToEnd('php', [join(repoRoot, 'examples-php', 'client.php'), '--check'], { env: { TRANSMESH_URL: `http://${mesh.config.listen}` } });
  process.stdout.write(php.stdout);
  if (php.stderr.trim()) process.stderr.write(php.stderr);
  return { name: 'PHP → Java gRPC (users) and Java Thrift (orders)', ok: php.code === 0, detail: summaryOf(php.stdout) };
}

/** Access applied: the catalog's policy lets only the Java app call it, so the PHP app is refused. */
export async function phpRefusedCatalog(mesh: ExampleMesh): Promise<DirectionResult> {
  const name = 'access: PHP app → PHP catalog, not allowed';
  try {
    const res = await fetch(`http://${mesh.config.listen}/${CATALOG}/GetItem`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id": 1}' });
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    const got = `${res.status} ${body.error?.code ?? JSON.stringify(body)}: ${body.error?.message ?? ''}`;
    return { name, ok: res.status === 403 && body.error?.code === 'PERMISSION_DENIED', detail: got };
  } catch (err) {
    return { name, ok: false, detail: (err as Error).message };
  }
}
