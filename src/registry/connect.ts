import { connect, NatsConnection } from 'nats';

/** A NATS server that cannot be reached: the CLI prints this as its one-line reason. */
export class NatsUnreachable extends Error {}

/**
 * Connects once, failing fast with a clear reason when nothing answers; after that the
 * client reconnects for ever, and the sidecar keeps serving its last snapshots meanwhile.
 */
export async function connectNats(url: string, name: string): Promise<NatsConnection> {
  try {
    return await connect({ servers: url, name, maxReconnectAttempts: -1, reconnectTimeWait: 250, timeout: 3000 });
  } catch (err) {
    throw new NatsUnreachable(`cannot reach NATS at ${url}: ${(err as Error).message}`);
  }
}
