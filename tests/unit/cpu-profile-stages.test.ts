import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STAGES } from '../../bench/cpu-profile';
import { repoRoot } from '../../src/config/repo-root';

/**
 * The bench's profile attributes time to request-path stages by function name and built file.
 * A stage whose file moved silently drops out of every profile, so each must name a file that
 * exists (as its TypeScript source) and a function that file defines.
 */
describe('cpu-profile stages', () => {
  const ours = STAGES.filter((s) => s.file.startsWith('dist/'));

  test.each(ours.map((s) => [s.label, s] as const))('%s names a source file and function that exist', (_label, stage) => {
    const source = join(repoRoot, stage.file.slice('dist/'.length).replace(/\.js$/, '.ts'));
    expect(existsSync(source) ? source : `missing: ${source}`).toBe(source);
    if (stage.fn) expect(readFileSync(source, 'utf8')).toMatch(new RegExp(`\\b${stage.fn}\\s*[(<=:]`));
  });

  test('the mux peer hop, the default, has stages on both sides', () => {
    expect(ours.filter((s) => s.file.includes('/peer/mux-')).length).toBeGreaterThanOrEqual(2);
  });
});
