import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Writes IDL files into a fresh folder and returns `idl push` arguments for `entry` with `-I` on it. */
export function idlPushArgs(files: Record<string, string>, entry: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'transmesh-idl-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return [join(dir, entry), '-I', dir];
}
