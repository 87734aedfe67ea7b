import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initCa, loadCa } from '../identity/ca';
import { createToken } from '../identity/join-token';

/**
 * `transmesh dev` runs the mesh as production does, with a CA and join tokens, set up on its own:
 * a throw-away CA in a temp dir, and a token file per app (owner-only), removed on stop.
 */
export async function devCa(): Promise<{ dir: string; joinArgs: (app: string) => string[]; remove: () => void }> {
  const root = mkdtempSync(join(tmpdir(), 'transmesh-dev-ca-'));
  const dir = join(root, 'ca');
  await initCa(dir);
  const ca = await loadCa(dir);
  return {
    dir,
    joinArgs: (app) => {
      const file = join(root, `${app}.token`);
      writeFileSync(file, createToken(ca.keyPem, { app, trustDomain: ca.trustDomain, ttlMs: 86_400_000 }) + '\n', { mode: 0o600 });
      return ['--token-file', file];
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
