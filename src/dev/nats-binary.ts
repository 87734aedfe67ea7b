import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The nats-server to start for tests, bench, chaos runs and `transmesh dev`: $TRANSMESH_NATS_SERVER,
 * else the maintained build scripts/ensure-tools.sh caches, else whatever `nats-server` is on PATH
 * (Debian's 2.9.10 lacks years of clustering fixes, so it is only the fallback).
 */
export function natsServerBinary(): string {
  const fromEnv = process.env.TRANSMESH_NATS_SERVER;
  if (fromEnv) return fromEnv;
  const cached = join(process.env.TRANSMESH_TOOLS_BIN ?? join(homedir(), '.cache', 'transmesh', 'bin'), 'nats-server');
  return existsSync(cached) ? cached : 'nats-server';
}
