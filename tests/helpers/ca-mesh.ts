import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { idlPushArgs } from './idl-files';
import { Proc, runCli, spawnCli, startNats } from './processes';
import { startSidecar, SidecarProc } from './mesh';
import { echoFiles, startEchoServer } from './grpc-echo-server';

export const echoService = 'mesh.test.v1.Echo';

/**
 * A mesh with a CA, all real processes: `ca init`, a control plane with --ca, the echo IDL, a
 * provider sidecar `echo-a` in front of a grpc-js echo server, and consumer sidecars `web` and
 * `other`, each joining with its own token.
 */
export interface CaMesh {
  readonly nats: Awaited<ReturnType<typeof startNats>>;
  readonly cp: Proc;
  readonly caDir: string;
  readonly echo: Awaited<ReturnType<typeof startEchoServer>>;
  readonly provider: SidecarProc;
  readonly web: SidecarProc;
  readonly other: SidecarProc;
  /** The tokens the three sidecars joined with. */
  readonly tokens: Record<string, string>;
  /** A join token for `app` from the mesh CA. */
  token(app: string, ttl?: string): Promise<string>;
  /** A sidecar joining with `token` (none: no TRANSMESH_TOKEN at all). */
  join(app: string, token: string | undefined, provide?: string[]): Promise<SidecarProc>;
  stop(): Promise<void>;
}

export async function startCaMesh(opts: { certTtl?: string; webTokenTtl?: string } = {}): Promise<CaMesh> {
  const nats = await startNats();
  const caDir = join(mkdtempSync(join(tmpdir(), 'transmesh-ca-')), 'ca');
  const init = await runCli(['ca', 'init', '--out', caDir]);
  if (init.code !== 0) throw new Error(`ca init failed: ${init.stderr}`);
  const cp = spawnCli('control-plane', ['control-plane', '--nats', nats.url, '--admin', '127.0.0.1:0', '--ca', caDir], opts.certTtl ? { TRANSMESH_CERT_TTL: opts.certTtl } : {});
  await cp.waitForMsg('control plane ready');
  const push = await runCli(['idl', 'push', ...idlPushArgs(echoFiles(), 'echo.proto'), '--nats', nats.url]);
  if (push.code !== 0) throw new Error(`idl push failed: ${push.stderr}`);
  const token = async (app: string, ttl?: string) => {
    const res = await runCli(['token', 'create', '--app', app, '--ca', caDir, ...(ttl ? ['--ttl', ttl] : [])]);
    if (res.code !== 0) throw new Error(`token create failed: ${res.stderr}`);
    return res.stdout.trim();
  };
  const join_ = (app: string, tok: string | undefined, provide: string[] = []) => startSidecar(nats.url, app, provide, tok === undefined ? {} : { TRANSMESH_TOKEN: tok });
  const tokens: Record<string, string> = { 'echo-a': await token('echo-a'), other: await token('other'), web: await token('web', opts.webTokenTtl) };
  const echo = await startEchoServer('A');
  const provider = await join_('echo-a', tokens['echo-a'], [`${echoService}=grpc://127.0.0.1:${echo.port}`]);
  const web = await join_('web', tokens.web);
  const other = await join_('other', tokens.other);
  await Promise.all([web, other].map((c) => c.proc.waitFor((l) => l.msg === 'endpoints snapshot' && l.endpoints.length >= 1, 'the provider in discovery')));
  return {
    nats,
    cp,
    caDir,
    echo,
    provider,
    web,
    other,
    tokens,
    token,
    join: join_,
    async stop() {
      await Promise.all([web.proc.stop(), other.proc.stop(), provider.proc.stop()]);
      await cp.stop();
      await echo.stop();
      await nats.stop();
    },
  };
}
