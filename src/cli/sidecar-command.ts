import { readFileSync } from 'node:fs';
import { commonFlags, defaultNatsUrl, FlagSpec, natsAuthFrom, readFlags, UsageError, validate } from './args';
import { sidecarConfigSchema, SidecarConfig } from '../config/sidecar-config';
import { startSidecar } from '../node/sidecar-node';
import { onShutdown } from './shutdown';

const flags: FlagSpec = {
  ...commonFlags,
  app: { type: 'string' },
  listen: { type: 'string' },
  inbound: { type: 'string' },
  advertise: { type: 'string' },
  admin: { type: 'string' },
  provide: { type: 'string', multiple: true },
  token: { type: 'string' },
  'token-file': { type: 'string' },
};

const help = `usage: transmesh sidecar --app NAME [flags]

  --app NAME          identity of the local application (required)
  --listen ADDR       app-facing HTTP/JSON listener (default 127.0.0.1:15001)
  --inbound ADDR      peer-facing listener (default 0.0.0.0:15006)
  --advertise HOST    address peers dial (default: first non-loopback address)
  --admin ADDR        /metrics, /healthz, /readyz, /debug/snapshot (default 127.0.0.1:15000)
  --provide SVC=URL   a local provider: grpc://host:port or thrift://host:port[?transport=buffered&protocol=compact]; repeatable
  --token TOKEN       join token of --app (default $TRANSMESH_TOKEN); required when the mesh has a CA
  --token-file FILE   read the join token from FILE
  --nats URL          NATS server (default $TRANSMESH_NATS_URL or nats://127.0.0.1:4222); user:password@ and tls:// accepted
  --nats-creds FILE   NATS credentials file (default $TRANSMESH_NATS_CREDS)
  --nats-ca FILE      CA of the NATS server's TLS certificate (default $TRANSMESH_NATS_CA)

environment: TRANSMESH_HEARTBEAT_MS (1000), TRANSMESH_ENDPOINT_TTL_MS (3500),
  TRANSMESH_DEFAULT_TIMEOUT_MS (15000), TRANSMESH_DRAIN_MS (10000), TRANSMESH_TELEMETRY_MS (5000),
  TRANSMESH_LOG_LEVEL (info)
`;

export async function run(argv: string[]): Promise<number> {
  const values = readFlags(argv, flags, help);
  if (!values) return 0;
  const { stop } = await startSidecar(configFrom(values));
  await onShutdown(stop);
  return 0;
}


export function configFrom(values: Record<string, unknown>): SidecarConfig {
  const env = process.env;
  return validate(sidecarConfigSchema, {
    ...values,
    nats: defaultNatsUrl(values.nats),
    natsAuth: natsAuthFrom(values),
    token: tokenFrom(values),
    heartbeatMs: env.TRANSMESH_HEARTBEAT_MS,
    endpointTtlMs: env.TRANSMESH_ENDPOINT_TTL_MS,
    defaultTimeoutMs: env.TRANSMESH_DEFAULT_TIMEOUT_MS,
    drainMs: env.TRANSMESH_DRAIN_MS,
    telemetryMs: env.TRANSMESH_TELEMETRY_MS,
  });
}

function tokenFrom(values: Record<string, unknown>): string | undefined {
  if (values.token !== undefined) return values.token as string;
  const file = values['token-file'] as string | undefined;
  if (file === undefined) return process.env.TRANSMESH_TOKEN || undefined;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new UsageError(`--token-file: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
