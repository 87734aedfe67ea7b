import { UsageError } from './args';
import type { CollectedIdl } from './collect-idl';

export async function reflectIdl(target: string, services: string[]): Promise<CollectedIdl> {
  throw new UsageError(`--reflect ${target} ${services.join(',')}: not yet`);
}
