import type { ProcessTree } from './process-tree';
import type { DevConfig } from '../cli/dev-command';

/** Placeholder until the Java and PHP examples are wired in. */
export async function runExamples(_tree: ProcessTree, _config: DevConfig, _cli: string[], say: (l: string) => void): Promise<number> {
  say('examples are not wired in yet');
  return 1;
}
