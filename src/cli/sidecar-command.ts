import { readFileSync } from 'node:fs';
import { commonFlags, defaultNatsUrl, FlagSpec, natsAuthFrom, readFlags, UsageError, validate } from './args';
import { sidecarConfigSchema, SidecarConfig } from '../config/sidecar-config';
import { startSidecar } from '../node/sidecar-node';
import { onShutdown } from './shutdown';
import { otelConfigSchema, OtelConfig } from '../config/otel-config';

const flags: FlagSpec = {
  ...commonFlags,
  app: { type: 'string' },
  listen: { type: 'string' },
  inbound: { type: 'string' },
  advertise: { type: 'string' },
  admin: { type: 'string' },
  provide: { type: 'string', multiple: true },
  'thrift-listen': { type: 'string', multiple: true },
  label: { type: 'string', multiple: true },
  json: { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
};

const help = `usage: transmesh sidecar --app NAME [flags]

  --app NAME          identity of the local application (required)
  --listen ADDR       app-facing HTTP/JSON listener (default 127.0.0.1:15001)
  --inbound ADDR      peer-facing listener (default 0.0.0.0:15006)
  --advertise HOST    address peers dial (default: first non-loopback address)
  --admin ADDR        /metrics, /healthz, /readyz, /debug/snapshot (default 127.0.0.1:15000)
  --provide SVC=URL   a local provider: grpc://host:port, thrift://host:port[?transport=buffered&protocol=compact],
                      http://host:port[/prefix][?int64=number], fastcgi://host:port?script=/path.php
                      or fastcgi+unix:///path/to/socket?script=/path.php; repeatable
  --thrift-listen ADDR[=SVC]
                      a listener for native Thrift callers (framed or not, binary or compact): names
                      <service>:<method> (TMultiplexedProtocol), or plain names of SVC only; repeatable
  --label KEY=VALUE   announced in discovery; policy subsets select providers by label (version=v2); repeatable
  --json OPT[,OPT]    this app's JSON output: int64-number, emit-defaults, proto-names, enum-numbers
                      (a request's x-transmesh-json adds to it; no-OPT there turns one off)
  --nats URL[,URL]    NATS server, or seed URLs of a cluster (default $TRANSMESH_NATS_URL or nats://127.0.0.1:4222)
  --token TOKEN       join token of --app (default $TRANSMESH_TOKEN); required when the mesh has a CA
  --token-file FILE   read the join token from FILE
  --nats-creds FILE   NATS credentials file (default $TRANSMESH_NATS_CREDS)
  --nats-ca FILE      CA of the NATS server's TLS certificate (default $TRANSMESH_NATS_CA)

environment: TRANSMESH_HEARTBEAT_MS (1000), TRANSMESH_ENDPOINT_TTL_MS (15000),
  TRANSMESH_DEFAULT_TIMEOUT_MS (15000), TRANSMESH_DRAIN_MS (10000), TRANSMESH_TELEMETRY_MS (5000),
  TRANSMESH_LOG_LEVEL (info), TRANSMESH_ACCESS_LOG_SAMPLE (1: share of successful fast calls
  logged), TRANSMESH_ACCESS_LOG_SLOW_MS (1000: slower calls are always logged); tracing with
  OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER;
  limits: TRANSMESH_MAX_MESSAGE_BYTES (4194304),
  TRANSMESH_BODY_TIMEOUT_MS (30000), TRANSMESH_IDLE_TIMEOUT_MS (300000), TRANSMESH_PING_INTERVAL_MS (30000),
  TRANSMESH_MAX_CONCURRENT_STREAMS (1000), TRANSMESH_MAX_IN_FLIGHT (10000);
  TRANSMESH_PEER_PROTOCOL (mux, the framing of docs/architecture.md, or h2: to provider sidecars)
`;

export async function run(argv: string[]): Promise<number> {
  const values = readFlags(argv, flags, help);
  if (!values) return 0;
  const { stop } = await startSidecar(configFrom(values), otelFrom(process.env));
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
    accessLogSample: env.TRANSMESH_ACCESS_LOG_SAMPLE,
    accessLogSlowMs: env.TRANSMESH_ACCESS_LOG_SLOW_MS,
    maxMessageBytes: env.TRANSMESH_MAX_MESSAGE_BYTES,
    bodyTimeoutMs: env.TRANSMESH_BODY_TIMEOUT_MS,
    idleTimeoutMs: env.TRANSMESH_IDLE_TIMEOUT_MS,
    pingIntervalMs: env.TRANSMESH_PING_INTERVAL_MS,
    maxConcurrentStreams: env.TRANSMESH_MAX_CONCURRENT_STREAMS,
    maxInFlight: env.TRANSMESH_MAX_IN_FLIGHT,
    peerProtocol: env.TRANSMESH_PEER_PROTOCOL,
  });
}

/** The OpenTelemetry variables; a bad one is named as the variable it is, not as a flag. */
export function otelFrom(env: NodeJS.ProcessEnv): OtelConfig {
  const parsed = otelConfigSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`${issue.path.join('.') || 'OpenTelemetry environment'}: ${issue.message}`);
  }
  return parsed.data;
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
