import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { problemLines } from '../../src/idl/compat';
import { loadCases, ourChanges, pairOf, rulesOf } from '../helpers/compat-corpus';

const FILE = 'compat.thrift';
const cases = loadCases('thrift');

describe('thrift breaking-change rules: the corpus', () => {
  test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const { before, after } = pairOf('thrift', c);
    expect(rulesOf(ourChanges(FILE, before, after))).toEqual([...c.rules].sort());
  });

  test('problem lines point at the field in the new text', () => {
    const { before, after } = pairOf('thrift', cases.find((c) => c.name === 'field type changed')!);
    expect(problemLines(ourChanges(FILE, before, after))).toEqual([`${FILE}:15:3: FIELD_SAME_TYPE: field 2: name of struct compat.User changed type from string to i32`]);
  });
});

/**
 * thrift --audit (Debian's thrift-compiler) flags the same wire changes: it must fail exactly on
 * the pairs we refuse, except where a case says why we differ (docs/idl-compatibility.md).
 */
const thrift = process.env.TRANSMESH_THRIFT ?? 'thrift';
const hasThrift = spawnSync(thrift, ['--version']).status === 0;
(hasThrift ? describe : describe.skip)('thrift breaking-change rules: the same verdict as thrift --audit', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'transmesh-audit-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each(cases.filter((c) => !('auditDiffers' in c)).map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
    const { before, after } = pairOf('thrift', c);
    const write = (side: string, text: string) => {
      mkdirSync(join(dir, String(i), side), { recursive: true });
      const path = join(dir, String(i), side, FILE);
      writeFileSync(path, text);
      return path;
    };
    const old = write('before', before);
    const now = write('after', after);
    const audit = spawnSync(thrift, ['--audit', old, now], { encoding: 'utf8' });
    const failures = audit.stderr.split('\n').filter((l) => l.includes('Thrift Audit Failure'));
    expect({ refused: failures.length > 0 }).toEqual({ refused: c.rules.length > 0 });
  });

  test('the cases where we differ are the ones audit only warns about, or flags though safe', () => {
    expect(cases.filter((c) => 'auditDiffers' in c).map((c) => c.name)).toEqual([
      'typedef introduced for the same type',
      'optional field added in the middle of the ids',
      'field renamed',
      'enum value renamed',
      'argument renamed',
    ]);
  });
});
