import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { problemLines } from '../../src/idl/compat';
import { loadCases, ourChanges, pairOf, rulesOf } from '../helpers/compat-corpus';

const FILE = 'acme/compat/v1/compat.proto';
const cases = loadCases('proto');

describe('proto breaking-change rules: the corpus', () => {
  test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const { before, after } = pairOf('proto', c);
    expect(rulesOf(ourChanges(FILE, before, after))).toEqual([...c.rules].sort());
  });

  test('every WIRE_JSON rule (and the two deletions we add) is in the corpus at least once', () => {
    const covered = new Set(cases.flatMap((c) => c.rules));
    const buf = execFileSync(bufBin(), ['config', 'ls-breaking-rules', '--configured-only'], { cwd: bufProject(), encoding: 'utf8' });
    const rules = buf.split('\n').slice(1).map((l) => l.split(/\s+/)[0]).filter((r) => r);
    expect(rules.length).toBeGreaterThan(20);
    expect(rules.filter((r) => !covered.has(r))).toEqual([]);
  });
});

describe('proto breaking-change rules: the same verdict as buf breaking --against', () => {
  // One buf run over every pair: case i lives in c<i>/compat.proto, its package made its own
  // (buf pairs packages across files), and buf's problems are sorted back to cases by path.
  let byCase: Map<number, string[]>;
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'transmesh-buf-'));
    const sides = { before: join(dir, 'before'), after: join(dir, 'after') };
    cases.forEach((c, i) => {
      const pair = pairOf('proto', c);
      for (const side of ['before', 'after'] as const) {
        mkdirSync(join(sides[side], `c${i}`), { recursive: true });
        writeFileSync(join(sides[side], `c${i}`, 'compat.proto'), pair[side].replace(/acme\.compat\./g, `acme.compat.c${i}.`));
      }
    });
    for (const side of Object.values(sides)) writeFileSync(join(side, 'buf.yaml'), BUF_YAML);
    byCase = new Map();
    for (const p of bufProblems(sides.after, sides.before)) {
      const m = /(?:^|\/)c(\d+)\//.exec(p.path ?? '');
      if (!m) throw new Error(`a buf problem outside the cases: ${JSON.stringify(p)}`);
      const i = Number(m[1]);
      byCase.set(i, [...new Set([...(byCase.get(i) ?? []), p.type])].sort());
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each(cases.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
    expect(byCase.get(i) ?? []).toEqual([...c.rules].sort());
  });
});

describe('problem lines', () => {
  test('file:line:col: RULE: what changed, at the field in the new text', () => {
    const c = cases.find((x) => x.name === 'int32 to string')!;
    const { before, after } = pairOf('proto', c);
    expect(problemLines(ourChanges(FILE, before, after))).toEqual([
      `${FILE}:7:3: FIELD_WIRE_JSON_COMPATIBLE_TYPE: field "id" (1) of message acme.compat.v1.User changed type from int32 to string`,
    ]);
  });

  test('a deleted field is reported at its message, with both rules', () => {
    const c = cases.find((x) => x.name === 'field removed')!;
    const { before, after } = pairOf('proto', c);
    const lines = problemLines(ourChanges(FILE, before, after));
    expect(lines).toEqual([
      `${FILE}:6:9: FIELD_NO_DELETE_UNLESS_NAME_RESERVED: field "visits" (10) of message acme.compat.v1.User removed without reserving the name "visits"`,
      `${FILE}:6:9: FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED: field "visits" (10) of message acme.compat.v1.User removed without reserving the number 10`,
    ]);
  });
});

/** What the mesh checks: buf's WIRE_JSON category, plus the deletion of a method or a service. */
const BUF_YAML = 'version: v2\nbreaking:\n  use:\n    - WIRE_JSON\n    - RPC_NO_DELETE\n    - PACKAGE_SERVICE_NO_DELETE\n';

function bufBin(): string {
  return require.resolve('@bufbuild/buf/bin/buf');
}

let project: string | undefined;
function bufProject(): string {
  if (!project) {
    project = mkdtempSync(join(tmpdir(), 'transmesh-buf-config-'));
    writeFileSync(join(project, 'buf.yaml'), BUF_YAML);
  }
  return project;
}

function bufProblems(input: string, against: string): Array<{ path: string; type: string }> {
  let out: string;
  try {
    out = execFileSync(bufBin(), ['breaking', input, '--against', against, '--error-format', 'json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { status?: number; stdout?: string; stderr?: string };
    // buf exits 100 when it found breaking changes; anything else is buf failing to run.
    if (e.status !== 100) throw new Error(`buf failed (${e.status}): ${e.stderr}`, { cause: err });
    out = e.stdout ?? '';
  }
  return out.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { path: string; type: string });
}
