import { connect } from 'nats';
import type { ProcessTree } from './processes';
import { natsServers } from '../config/addresses';

/** Uses the NATS at `url` when one answers; otherwise starts a `nats-server` child with JetStream on its port. */
export async function ensureNats(url: string, tree: ProcessTree): Promise<'existing' | 'started'> {
  try {
    const nc = await connect({ servers: natsServers(url), timeout: 1000, maxReconnectAttempts: 0 });
    await nc.close();
    return 'existing';
  } catch {
    await tree.startNats(Number(new URL(natsServers(url)[0].replace(/^nats:/, 'http:')).port || '4222'));
    return 'started';
  }
}
