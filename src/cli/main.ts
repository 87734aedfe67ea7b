import { UsageError } from './args';

const commands: Record<string, () => Promise<{ run(argv: string[]): Promise<number> }>> = {
  // Node 20's costly AsyncResource.bind replaced before the data plane starts (lean-async-bind.ts).
  sidecar: () => import('./lean-async-bind').then((m) => (m.installLeanAsyncBind(), import('./sidecar-command'))),
  'control-plane': () => import('./control-plane-command'),
  idl: () => import('./idl-command'),
  policy: () => import('./policy-command'),
  dev: () => import('./dev-command'),
  logs: () => import('./logs-command'),
  ca: () => import('./ca-command'),
  token: () => import('./token-command'),
  cert: () => import('./cert-command'),
  quota: () => import('./quota-command'),
  check: () => import('./check-command'),
  status: () => import('./status-command'),
};

const usage = `usage: transmesh <command> [flags]

commands:
  sidecar         the data plane, one per host or pod
  control-plane   validation and storage of IDL and policy; stateless, N replicas
  idl             push, ls, show, diff, rollback: the IDL registry (breaking changes refused)
  policy          apply, ls, show, rollback, delete: routing and resilience per service
  quota           ls: quota use per caller in the current window
  check           is the mesh healthy, and if not, what to do (exit 1 when a check fails)
  status          every live sidecar: version, uptime, IDL and policy revisions, certificate, calls/s
  dev             a whole local mesh in one process tree
  logs            follow the access-log records of every sidecar, live
  ca              init, rotate, retire: the mesh CA (certificates for sidecars, mTLS on the peer hop)
  token           create, revoke: join tokens, one app each, signed by the mesh CA
  cert revoke     refuse every certificate of an app (or of one of its sidecars) from now on

every command takes --nats URL[,URL...] (or TRANSMESH_NATS_URL; default nats://127.0.0.1:4222) and --help
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage);
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) throw new UsageError(`unknown command "${name}" (try: transmesh --help)`);
  // Flags name provider URLs and IDL files: the protocols must be known before they are parsed.
  (await import('../node/protocols')).registerProtocols();
  return (await load()).run(rest);
}

/**
 * Anything that escapes every handler leaves the process in a state nobody reasoned about:
 * better a logged stack and a restart (exit 70, EX_SOFTWARE) than a sidecar half alive.
 */
function fatal(kind: string) {
  return (err: unknown) => {
    const stack = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`${JSON.stringify({ level: 60, time: Date.now(), pid: process.pid, msg: `transmesh: ${kind}, exiting`, err: stack })}\n`);
    process.exit(70);
  };
}
process.on('uncaughtException', fatal('uncaught exception'));
process.on('unhandledRejection', fatal('unhandled promise rejection'));

main(process.argv.slice(2)).then(
  (code) => {
    // Long-running commands resolve only once drained; exit now rather than wait on stray handles.
    process.exit(code);
  },
  (err: unknown) => {
    // One line for the operator (a port in use, NATS away, a refused push); the stack only on request.
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    process.stderr.write(`transmesh: ${message}\n`);
    if (process.env.TRANSMESH_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
