import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IdlChange } from '../../src/idl/compat';
import { compareBundles } from '../../src/registry/idl-compat';

/** The change pairs of tests/fixtures/idl-compat: each case edits a base file by literal replacements. */
export interface CompatCase {
  readonly name: string;
  readonly base?: string;
  readonly edits: ReadonlyArray<readonly [string, string]>;
  readonly rules: readonly string[];
}

export const corpusDir = join(__dirname, '..', 'fixtures', 'idl-compat');

export function loadCases(kind: 'proto' | 'thrift'): CompatCase[] {
  return (JSON.parse(readFileSync(join(corpusDir, kind, 'cases.json'), 'utf8')) as { cases: CompatCase[] }).cases;
}

/** The before and after texts of a case; an edit whose text is not in the base is a broken fixture. */
export function pairOf(kind: 'proto' | 'thrift', c: CompatCase): { before: string; after: string } {
  const before = readFileSync(join(corpusDir, kind, c.base ?? `base.${kind}`), 'utf8');
  let after = before;
  for (const [from, to] of c.edits) {
    if (!after.includes(from)) throw new Error(`case "${c.name}": ${JSON.stringify(from)} is not in the text`);
    after = after.replace(from, to);
  }
  return { before, after };
}

/** Our changes between two versions of one file, every service in scope. */
export function ourChanges(path: string, before: string, after: string): IdlChange[] {
  const version = (text: string) => {
    const files = { [path]: text };
    return { files, entries: [path] };
  };
  return compareBundles(version(before), version(after), { services: 'all' });
}

export function rulesOf(changes: readonly IdlChange[]): string[] {
  return [...new Set(changes.flatMap((c) => (c.rule ? [c.rule] : [])))].sort();
}
