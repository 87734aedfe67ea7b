import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The installed package's root (where package.json and bin/transmesh are), found upward from
 * this file, so the same code works from src/ under ts-jest and from dist/src after a build.
 */
export const repoRoot: string = (() => {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'bin', 'transmesh'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the package root above ${__dirname}`);
    dir = up;
  }
  return dir;
})();
