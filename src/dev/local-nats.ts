import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import type { ProcessTree } from './process-tree';
import { natsServerBinary } from './nats-binary';
import { natsServers } from '../config/addresses';

/** Uses the NATS at `url` when one answers; otherwise starts a `nats-server` child with JetStream on its port. */
export async function ensureNats(url: string, tree: ProcessTree): Promise<'existing' | 'started'> {
  try {
    const nc = await connect({ servers: natsServers(url), timeout: 1000, maxReconnectAttempts: 0 });
    await nc.close();
    return 'existing';
  } catch {
    const port = new URL(natsServers(url)[0].replace(/^nats:/, 'http:')).port || '4222';
    const dir = mkdtempSync(join(tmpdir(), 'transmesh-dev-nats-'));
    await tree.start('nats-server', natsServerBinary(), ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', port], (l) => l.includes('Server is ready'));
    return 'started';
  }
}
