import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { repoRoot } from '../../src/config/repo-root';

/**
 * A clone has only the repository: the README and docs/ link only to files inside it that
 * exist, and no source names a document outside it (the contract the project was built from).
 */
function markdown(): string[] {
  const docs = readdirSync(join(repoRoot, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join(repoRoot, 'docs', f));
  const examples = ['examples-php', 'examples-java'].map((d) => join(repoRoot, d, 'README.md')).filter((f) => existsSync(f));
  return [join(repoRoot, 'README.md'), ...docs, ...examples];
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

test('relative links in the README and docs/ point at files inside the repository', () => {
  const bad: string[] = [];
  for (const file of markdown()) {
    for (const m of readFileSync(file, 'utf8').matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1].split('#')[0];
      if (!target || /^[a-z]+:/i.test(target)) continue;
      const path = resolve(dirname(file), target);
      if (relative(repoRoot, path).startsWith('..') || !existsSync(path)) bad.push(`${relative(repoRoot, file)}: ${m[1]}`);
    }
  }
  expect(bad).toEqual([]);
});

test('no source, test, bench or doc cites a file outside the repository', () => {
  const cited = [...files(join(repoRoot, 'src')), ...files(join(repoRoot, 'adapters')), ...files(join(repoRoot, 'tests')), ...files(join(repoRoot, 'bench')), ...markdown()]
    .filter((f) => /\.(ts|js|md)$/.test(f) && f !== __filename)
    .filter((f) => /CONTRACT\.md|\.\.\/shared\//.test(readFileSync(f, 'utf8')))
    .map((f) => relative(repoRoot, f));
  expect(cited).toEqual([]);
});
