import { connect } from 'nats';
import type { ProcessTree } from './processes';

/** Uses the NATS at `url` when one answers; otherwise starts a `nats-server` child with JetStream on its port. */
export async function ensureNats(url: string, tree: ProcessTree): Promise<'existing' | 'started'> {
  try {
    const nc = await connect({ servers: url, timeout: 1000, maxReconnectAttempts: 0 });
    await nc.close();
    return 'existing';
  } catch {
    await tree.startNats(Number(new URL(url.replace(/^nats:/, 'http:')).port || '4222'));
    return 'started';
  }
}
