import { join } from 'node:path';
import { spawnProc } from '../src/dev/processes';
import type { Peer } from './peers';

export const NODE_RELAY = "native gRPC node:http2 relay (Node's floor)";
export const NODE_ECHO = 'native gRPC node:http2 echo (no upstream)';

/**
 * Node's floors for the native rows, started with the node binary and flags the sidecars run
 * with: bench/node-relay.ts in front of the provider (what the same runtime costs doing nothing
 * but relay a call) and bench/node-echo.ts (what terminating one HTTP/2 call costs).
 */
export async function startNodeFloor(kind: 'relay' | 'echo', grpcPort: number, node: string, nodeFlags: readonly string[]): Promise<Peer> {
  const script = join(__dirname, kind === 'relay' ? 'node-relay.js' : 'node-echo.js');
  const proc = spawnProc(`node ${kind}`, node, [...nodeFlags, script, ...(kind === 'relay' ? [`127.0.0.1:${grpcPort}`] : [])], { stdin: 'pipe', keepLines: 50 });
  const line = await proc.waitFor((l) => typeof l.port === 'number', `the node ${kind} to print its port`);
  return { name: kind === 'relay' ? NODE_RELAY : NODE_ECHO, proc, port: line.port as number, stop: () => proc.stop() };
}
