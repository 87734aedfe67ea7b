import { join } from 'node:path';
import { repoRoot } from '../src/config/repo-root';

export { repoRoot };

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
