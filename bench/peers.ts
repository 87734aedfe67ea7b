import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, Proc, spawnProc } from '../src/dev/processes';
import { repoRoot } from './paths';

/**
 * The peers of `--peers`, each in front of the bench's grpc-js provider: grpc-gateway v2 (Go,
 * generated code; HTTP/JSON in, gRPC out, like the mesh's consumer side) and nginx `grpc_pass`
 * (a plain gRPC hop, the cost floor of a proxy). Each is one process, so its CPU is measured.
 */
export interface Peer {
  readonly name: string;
  readonly proc: Proc;
  readonly port: number;
  stop(): Promise<unknown>;
}

const nginxPaths = ['/usr/sbin/nginx', '/usr/bin/nginx'];

/** The peers' names, as their rows and windows are named. */
export const GATEWAY = 'grpc-gateway';
export const NGINX_GRPC_PASS = 'nginx grpc_pass';

/**
 * nginx as one process (no master, one worker), serving `server` (the server block, given the
 * port it listens on) from a temporary prefix. Debian's nginx-light: `apt-get install -y nginx-light`.
 */
export async function runNginx(name: string, http: string, server: (port: number) => string): Promise<Peer> {
  const bin = nginxPaths.find((p) => existsSync(p));
  if (!bin) throw new Error('nginx is not installed (apt-get install -y nginx-light)');
  const port = await freePort();
  const dir = join(tmpdir(), `transmesh-bench-nginx-${process.pid}-${port}`);
  mkdirSync(dir, { recursive: true });
  const conf = `daemon off;
master_process off;
worker_processes 1;
error_log stderr warn;
pid ${dir}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  # nginx closes a client connection after 1,000 requests by default (HTTP/2 too, with a GOAWAY):
  # ghz counts the calls in flight on it as failed ("the connection is draining"). The mesh keeps
  # its connections; so does nginx here.
  keepalive_requests 1000000;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  ${http}
  server {
${server(port)}
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const proc = spawnProc('nginx', bin, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdin: 'pipe', keepLines: 50 });
  const stop = async () => {
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  await waitForPort(port, proc).catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return { name, proc, port, stop };
}

/** nginx, HTTP/2 cleartext in, `grpc_pass` with kept-alive upstream connections. */
export function startNginx(grpcPort: number): Promise<Peer> {
  return runNginx(NGINX_GRPC_PASS, `upstream provider { server 127.0.0.1:${grpcPort}; keepalive 64; }`, (port) =>
    [`    listen 127.0.0.1:${port} http2;`, '    http2_max_concurrent_streams 1024;', '    location / { grpc_pass grpc://provider; }'].join('\n'),
  );
}

/** grpc-gateway v2, built once by bench/peers/grpc-gateway/build.sh (Go from the module proxy) and cached. */
export async function startGrpcGateway(grpcPort: number): Promise<Peer> {
  let bin: string;
  try {
    bin = execFileSync('bash', [join(repoRoot, 'bench', 'peers', 'grpc-gateway', 'build.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (err) {
    throw new Error(`building grpc-gateway failed: ${(err as { stderr?: string }).stderr?.slice(-2000) ?? (err as Error).message}`, { cause: err });
  }
  const proc = spawnProc('grpc-gateway', bin, ['--upstream', `127.0.0.1:${grpcPort}`, '--listen', '127.0.0.1:0'], { stdin: 'pipe', keepLines: 50 });
  const line = await proc.waitFor((l) => typeof l.port === 'number', 'grpc-gateway to print its port').catch(async (err: unknown) => {
    await proc.stop();
    throw err;
  });
  return { name: GATEWAY, proc, port: line.port as number, stop: () => proc.stop() };
}

/** nginx prints nothing when ready: poll its port. */
async function waitForPort(port: number, proc: Proc): Promise<void> {
  const { connect } = await import('node:net');
  for (let i = 0; i < 200; i++) {
    if (proc.child.exitCode !== null) throw new Error(`nginx exited: ${proc.lines.map((l) => l.msg ?? JSON.stringify(l)).join('\n')}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nginx did not listen on ${port}`);
}
