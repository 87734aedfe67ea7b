import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root, found from wherever this file runs (bench/ sources or dist/bench/). */
export const repoRoot: string = (() => {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'bin', 'transmesh'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the repository root above ${__dirname}`);
    dir = up;
  }
  return dir;
})();

export const cliPath = join(repoRoot, 'bin', 'transmesh');
export const benchProto = join(repoRoot, 'bench', 'fixtures', 'bench.proto');
export const thriftFixtures = join(repoRoot, 'tests', 'fixtures', 'thrift');
export const thriftGenDir = join(thriftFixtures, 'gen-nodejs');
export const thriftServerScript = join(thriftFixtures, 'test-server.js');
/** Compiled with the rest of bench/ by tsc; run as its own process. */
export const grpcProviderScript = join(repoRoot, 'dist', 'bench', 'grpc-provider.js');
export const resultsDir = join(repoRoot, 'bench', 'results');

export const benchService = 'bench.v1.Bench';
export const thriftService = 'shop.Catalog';
