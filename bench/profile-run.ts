import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { httpJsonClient } from './clients/http-client';
import { summarizeProfile, ProfileSummary } from './cpu-profile';
import type { Protocol } from './end-to-end';
import { closedLoop } from './load';
import { startMesh } from './mesh-env';
import type { BenchOptions } from './options';
import { benchService, thriftService } from './paths';
import { itemJson, thriftArgsJson } from './payload';

export interface ProfileResult {
  readonly protocol: Protocol;
  readonly callsPerSec: number;
  /** The load window on the monotonic clock (µs), for looking at the raw profiles again. */
  readonly windowUs: { fromUs: number; toUs: number };
  readonly consumerSidecar: ProfileSummary;
  readonly providerSidecar: ProfileSummary;
}

/**
 * Starts a fresh mesh whose two sidecars run under `--cpu-prof`, drives one protocol through
 * it at saturation, stops it (the profiles are written on exit) and summarizes both profiles
 * over the load window only.
 * Separate from the measurements: the profiler slows the sidecars down.
 */
export async function profileProtocol(protocol: Protocol, dir: string, opts: BenchOptions, progress: (m: string) => void): Promise<ProfileResult> {
  const probes = { grpc: itemJson(), thrift: thriftArgsJson(itemJson()) };
  const profileDir = join(dir, protocol);
  const env = await startMesh({ profileDir, nodeFlags: opts.sidecarNodeFlags }, probes);
  const consumerPid = env.consumer.pid;
  const providerPid = env.provider.pid;
  let rate: number;
  const window = { fromUs: 0, toUs: 0 };
  try {
    const path = protocol === 'grpc' ? `/${benchService}/Put` : `/${thriftService}/put`;
    const client = httpJsonClient(env.consumerUrl, path, probes[protocol], opts.inFlight);
    await closedLoop(client.call, opts.inFlight, opts.warmupMs);
    window.fromUs = Number(process.hrtime.bigint() / 1000n);
    const r = await closedLoop(client.call, opts.inFlight, opts.profileMs);
    window.toUs = Number(process.hrtime.bigint() / 1000n);
    rate = r.rate;
    client.close();
    progress(`profiled ${protocol}: ${r.rate.toFixed(0)} calls/s under --cpu-prof`);
  } finally {
    await env.stop();
  }
  const files = readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'));
  const find = (pid: number) => {
    const f = files.find((x) => x.split('.').includes(String(pid)));
    if (!f) throw new Error(`no profile for pid ${pid} in ${profileDir} (found: ${files.join(', ') || 'none'})`);
    return summarizeProfile(join(profileDir, f), window);
  };
  return { protocol, callsPerSec: rate, windowUs: window, consumerSidecar: find(consumerPid), providerSidecar: find(providerPid) };
}
