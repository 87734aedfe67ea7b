import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { repoRoot } from '../../src/config/repo-root';

/**
 * package.json's `dependencies` are exactly what src/ and adapters/ load at run time: a production install
 * (`npm ci --omit=dev`) has everything the CLI needs and nothing only tests, bench or examples use.
 * Type-only imports are build time, so their packages are devDependencies.
 */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

function packageOf(specifier: string): string | undefined {
  // `import "google/protobuf/any.proto";` lines of the IDL sources src/ carries are not modules.
  if (/\.(proto|thrift)$/.test(specifier)) return undefined;
  if (specifier.startsWith('.') || specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0])) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Packages src/ and the protocol adapters load at run time: imports and re-exports that are not `import type`, side-effect imports, require(). */
function runtimeImports(): Map<string, string> {
  const used = new Map<string, string>();
  const statement = /^\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)|import\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const file of [...sources(join(repoRoot, 'src')), ...sources(join(repoRoot, 'adapters'))]) {
    for (const m of readFileSync(file, 'utf8').matchAll(statement)) {
      const pkg = packageOf(m[1] ?? m[2] ?? m[3]);
      if (pkg && !used.has(pkg)) used.set(pkg, file.slice(repoRoot.length + 1));
    }
  }
  return used;
}

test('dependencies are exactly the packages src/ and adapters/ load at run time', () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  const used = runtimeImports();
  expect(Object.keys(pkg.dependencies).sort()).toEqual([...used.keys()].sort());
  for (const [name, file] of used) expect({ name, file, declared: name in pkg.dependencies }).toEqual({ name, file, declared: true });
});
