import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../src/config/repo-root';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const cruiser = require(join(repoRoot, '.dependency-cruiser.cjs')) as { forbidden: Array<{ name: string; comment: string }> };

/** folder → what it may import, as the layer table of docs/architecture.md says. */
function documented(): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of readFileSync(join(repoRoot, 'docs', 'architecture.md'), 'utf8').split('\n')) {
    const m = /^\| ((?:`[\w-]+`(?:, )?)+) \| .* \| ([^|]*) \|$/.exec(line);
    if (!m) continue;
    const allowed = m[2].trim() === 'nothing' ? [] : m[2].split(',').map((s) => s.trim());
    for (const f of m[1].matchAll(/`([\w-]+)`/g)) rows.set(f[1], allowed);
  }
  return rows;
}

describe('the layer table', () => {
  test('docs/architecture.md and the lint check say the same thing', () => {
    const rows = documented();
    const rules = cruiser.forbidden.filter((r) => r.name.startsWith('layer-'));
    expect(rules.length).toBeGreaterThan(10);
    for (const r of rules) {
      const folder = r.name.slice('layer-'.length);
      const allowed = r.comment.split(': ')[1].replace('nothing of src/', '');
      expect({ folder, allowed: allowed.split(',').map((s) => s.trim()).filter(Boolean).sort() }).toEqual({ folder, allowed: (rows.get(folder) ?? ['(no row)']).slice().sort() });
    }
  });
});
