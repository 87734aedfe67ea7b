import { connect, NatsConnection } from 'nats';
import { natsServers } from '../config/addresses';

/** A NATS server that cannot be reached: the CLI prints this as its one-line reason. */
export class NatsUnreachable extends Error {}

/**
 * Connects once, to any of the seed URLs, failing fast with a clear reason when none answers;
 * after that the client reconnects for ever, to any member of the cluster it knows, with jitter
 * so that a restarted node is not hit by every client in the same instant. The sidecar keeps
 * serving its last snapshots meanwhile.
 */
export async function connectNats(urls: string, name: string): Promise<NatsConnection> {
  const servers = natsServers(urls);
  try {
    return await connect({
      servers,
      name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      reconnectJitter: 250,
      reconnectJitterTLS: 1000,
      // A peer that vanishes without a FIN (power loss, partition) is noticed within ~20 s.
      pingInterval: 10_000,
      maxPingOut: 2,
      timeout: 3000,
    });
  } catch (err) {
    throw new NatsUnreachable(`cannot reach NATS at ${servers.join(', ')}: ${(err as Error).message}`);
  }
}
