import { NatsProcess } from '../../src/dev/processes';
import { Proc, runCli, spawnCli, startNats } from './processes';

/** Test timings: heartbeats fast enough that a dead provider is forgotten within a second or so. */
export const fastDiscovery = { TRANSMESH_HEARTBEAT_MS: '200', TRANSMESH_ENDPOINT_TTL_MS: '900', TRANSMESH_DRAIN_MS: '3000', TRANSMESH_TELEMETRY_MS: '200' };

export async function startControlPlane(nats: string): Promise<Proc & { admin?: string }> {
  const p: Proc & { admin?: string } = spawnCli('control-plane', ['control-plane', '--nats', nats, '--admin', '127.0.0.1:0']);
  p.admin = (await p.waitForMsg('control plane ready')).admin;
  return p;
}

export interface SidecarProc {
  proc: Proc;
  /** http://127.0.0.1:<port> of the app-facing listener. */
  url: string;
  admin: string;
  inboundPort: number;
}

export async function startSidecar(nats: string, app: string, provide: string[] = [], env: Record<string, string> = {}, extraArgs: string[] = []): Promise<SidecarProc> {
  const args = ['sidecar', '--nats', nats, '--app', app, '--listen', '127.0.0.1:0', '--inbound', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--advertise', '127.0.0.1', ...extraArgs];
  for (const p of provide) args.push('--provide', p);
  const proc = spawnCli(`sidecar ${app}`, args, { ...fastDiscovery, ...env });
  const ready = await proc.waitForMsg('sidecar ready');
  return { proc, url: ready.listen, admin: ready.admin, inboundPort: ready.inbound };
}

export interface Mesh {
  nats: NatsProcess;
  cp: Proc & { admin?: string };
  /** The sidecar in front of the provider. */
  provider: SidecarProc;
  /** The app's sidecar, once it knows the provider's endpoint. */
  consumer: SidecarProc;
  stop(): Promise<void>;
}

/**
 * A whole mesh as real processes: nats-server, the control plane, the IDL of `service` pushed
 * (`idl` are the push arguments), a sidecar providing it at `upstream` and a consumer sidecar
 * for `php-app`. The provider itself (a gRPC or Thrift server) is the caller's; `alsoProvide`
 * adds `SVC=URL`s the same provider sidecar fronts; `consumerEnv` is the consumer sidecar's extra environment.
 */
export async function startMesh(opts: { service: string; idl: string[]; upstream: string; providerApp: string; alsoProvide?: string[]; env?: Record<string, string>; consumerEnv?: Record<string, string> }): Promise<Mesh> {
  const started: Array<{ stop(): Promise<unknown> }> = [];
  const stop = async () => {
    for (const s of started.reverse()) await s.stop();
  };
  try {
    const nats = await startNats();
    started.push(nats);
    const cp = await startControlPlane(nats.url);
    started.push(cp);
    const pushed = await runCli(['idl', 'push', ...opts.idl, '--nats', nats.url]);
    if (pushed.code !== 0 || !pushed.stdout.includes(opts.service)) throw new Error(`idl push failed (${pushed.code}): ${pushed.stdout}${pushed.stderr}`);
    const provide = [`${opts.service}=${opts.upstream}`, ...(opts.alsoProvide ?? [])];
    const provider = await startSidecar(nats.url, opts.providerApp, provide, opts.env);
    started.push(provider.proc);
    const consumer = await startSidecar(nats.url, 'php-app', [], { ...opts.env, ...opts.consumerEnv });
    started.push(consumer.proc);
    await consumer.proc.waitFor((l) => l.msg === 'endpoints snapshot' && l.endpoints.length === 1, 'the provider in discovery');
    return { nats, cp, provider, consumer, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface CallResult {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

export async function call(sidecarUrl: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<CallResult> {
  const res = await fetch(`${sidecarUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}
