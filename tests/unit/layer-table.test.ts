import { readdirSync, readFileSync, statSync } from 'node:fs';
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

describe('protocols as plug-ins', () => {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
    });

  test('nothing in src/ branches on a protocol name: only adapters name grpc, thrift, binary or compact', () => {
    const branching = /(===|!==|case)\s*'(grpc|thrift|binary|compact)'|'(grpc|thrift)'\s*\|\s*'|\.kind\s*=== '(grpc|thrift)'/;
    const found = files(join(repoRoot, 'src')).flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .map((line, i) => ({ at: `${f.slice(repoRoot.length + 1)}:${i + 1}`, line }))
        .filter(({ line }) => branching.test(line) && !/balance\.kind|\.kind === 'round-robin'|\.kind === 'hash'/.test(line)),
    );
    expect(found).toEqual([]);
  });

  test('the lint keeps src/ off the adapters but for the composition root, and each adapter apart', () => {
    const names = cruiser.forbidden.map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(['src-not-adapters', 'adapter-core-only', 'adapters-apart', 'adapters-no-nats']));
    const importers = files(join(repoRoot, 'src')).filter((f) => /from '(\.\.\/)+adapters/.test(readFileSync(f, 'utf8')));
    expect(importers.map((f) => f.slice(repoRoot.length + 1))).toEqual(['src/node/protocols.ts']);
  });
});
