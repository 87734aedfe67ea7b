import { z } from 'zod';
import { callerProtocolFor, providerFactoryFor, providerSchemes } from '../protocol/protocol-registry';
import { applyJsonOptions, defaultJsonOptions } from '../protocol/json-options';
import { hostPort, natsUrl } from './addresses';
import { endpointsMaxAgeMs } from './discovery-timing';

const providerUrl = z.string().transform((s, ctx) => {
  const eq = s.indexOf('=');
  const service = eq > 0 ? s.slice(0, eq) : '';
  const url = s.slice(eq + 1);
  if (!/^[A-Za-z_][\w.]*$/.test(service)) {
    ctx.addIssue({ code: 'custom', message: `"${s}" is not SERVICE=URL with a fully qualified service name` });
    return z.NEVER;
  }
  // The registered protocol adapters (src/protocol) say which URLs they serve.
  const factory = providerFactoryFor(url);
  const why = factory ? factory.check(url) : `"${url}" is not a provider URL this mesh serves (${providerSchemes().map((s) => `${s}://`).join(', ') || 'no protocol registered'})`;
  if (why !== undefined) {
    ctx.addIssue({ code: 'custom', message: why });
    return z.NEVER;
  }
  return { service, url };
});

/** `--json OPT[,OPT…]`: the app's default JSON output options. */
const jsonDefaults = z
  .string()
  .default('')
  .transform((s, ctx) => {
    const opts = applyJsonOptions(s, defaultJsonOptions);
    if (typeof opts === 'string') {
      ctx.addIssue({ code: 'custom', message: opts });
      return z.NEVER;
    }
    return opts;
  });

/** `--label KEY=VALUE`, repeatable: a key given twice is a flag error rather than a silent last-wins. */
const labels = z.array(z.string()).transform((list, ctx) => {
  const out: Record<string, string> = {};
  for (const s of list) {
    const eq = s.indexOf('=');
    const key = eq > 0 ? s.slice(0, eq) : '';
    if (!/^[A-Za-z0-9][\w./-]*$/.test(key)) {
      ctx.addIssue({ code: 'custom', message: `"${s}" is not KEY=VALUE (a key of letters, digits, . _ / -)` });
      return z.NEVER;
    }
    if (Object.hasOwn(out, key)) {
      ctx.addIssue({ code: 'custom', message: `label "${key}" is given twice` });
      return z.NEVER;
    }
    out[key] = s.slice(eq + 1);
  }
  return out;
});

/**
 * `ADDR[=SVC]` of a listener for native callers of `protocol` (`--thrift-listen`): `SVC`, a fully
 * qualified service name, is the one service its callers reach with plain method names.
 */
const callerListen = (protocol: string) =>
  z.string().transform((s, ctx) => {
    const eq = s.indexOf('=');
    const addr = hostPort.safeParse(eq < 0 ? s : s.slice(0, eq));
    const service = eq < 0 ? undefined : s.slice(eq + 1);
    if (!addr.success) {
      ctx.addIssue({ code: 'custom', message: `"${s}" is not ADDR[=SERVICE] (host:port, then optionally = and a fully qualified service name)` });
      return z.NEVER;
    }
    if (service !== undefined && !/^[A-Za-z_][\w.]*$/.test(service)) {
      ctx.addIssue({ code: 'custom', message: `"${service}" in "${s}" is not a fully qualified service name` });
      return z.NEVER;
    }
    if (!callerProtocolFor(protocol)) {
      ctx.addIssue({ code: 'custom', message: `no protocol adapter takes native ${protocol} callers` });
      return z.NEVER;
    }
    return { protocol, ...addr.data, service };
  });

const ms = (def: number) => z.coerce.number().int().positive().default(def);

/**
 * What one client, hostile or broken, may take of a sidecar (docs/architecture.md, Limits).
 * Every listener and the peer client read these; the environment sets them (TRANSMESH_...).
 */
export const limitsSchema = z.object({
  /** Largest message either way on :15001 and on the peer hop (4 MiB, as grpc-java). */
  maxMessageBytes: ms(4 * 1024 * 1024),
  /** Time to receive a whole request body once its headers are in. */
  bodyTimeoutMs: ms(30_000),
  /** A peer session or stream with no traffic for this long is closed. */
  idleTimeoutMs: ms(300_000),
  /** HTTP/2 keepalive PING interval on peer sessions; a PING unanswered within it closes the session. */
  pingIntervalMs: ms(30_000),
  /** Streams one peer session may have open at once (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS). */
  maxConcurrentStreams: ms(1000),
  /** Calls in flight per listener; more are refused RESOURCE_EXHAUSTED (app) or REFUSED_STREAM (peer). */
  maxInFlight: ms(10_000),
});

export type Limits = z.output<typeof limitsSchema>;
export const defaultLimits: Limits = Object.freeze(limitsSchema.parse({}));

/** The sidecar's flags and environment, validated once at start and frozen. */
export const sidecarConfigSchema = z.object({
  app: z.string({ error: 'is required (the name of the local application)' }).regex(/^[\w.-]+$/, 'letters, digits, . _ - only'),
  nats: natsUrl,
  listen: hostPort.prefault('127.0.0.1:15001'),
  inbound: hostPort.prefault('0.0.0.0:15006'),
  advertise: z.string().min(1).optional(),
  admin: hostPort.prefault('127.0.0.1:15000'),
  provide: z.array(providerUrl).default([]),
  /** `--thrift-listen ADDR[=SVC]`, repeatable: listeners for native Thrift callers (named as the flag, so a refusal names it). */
  'thrift-listen': z.array(callerListen('thrift')).default([]),
  /** The join token of --app (--token, TRANSMESH_TOKEN or --token-file); required on a mesh with a CA. */
  token: z.string().min(1).optional(),
  /** NATS credentials and CA (--nats-creds, --nats-ca). */
  natsAuth: z.object({ creds: z.string().optional(), ca: z.string().optional() }).default({}),
  /** `--label`s (named as the flag, so a refusal names it): announced in discovery; policy subsets select providers by them. */
  label: labels.default({}),
  /** `--json`: the JSON output options of this app's calls unless a request's `x-transmesh-json` says otherwise. */
  json: jsonDefaults,
  /**
   * How often a providing sidecar refreshes its discovery record, and after how long peers forget
   * a record they stopped hearing of while discovery worked. 15 s outlasts a JetStream leader
   * election (4-9 s, during which heartbeats cannot be stored) with room to spare; the endpoints
   * bucket keeps records for a minute, longer than any TTL allowed here (docs/operations.md).
   */
  heartbeatMs: ms(1000),
  endpointTtlMs: ms(15000),
  /** The deadline of a call that names none (Envoy's route default is 15 s). */
  defaultTimeoutMs: ms(15000),
  /** How often request counters are sent to the control plane (one batch per interval). */
  telemetryMs: ms(5000),
  /** How long SIGTERM waits for calls in flight. */
  drainMs: ms(10000),
  /** Share of successful, fast calls that become access-log records (errors and slow calls always do). */
  accessLogSample: z.coerce.number().min(0).max(1).default(1),
  /** Calls at least this long are slow: always logged. */
  accessLogSlowMs: ms(1000),
  /** How this sidecar calls provider sidecars: the mux framing or HTTP/2 (TRANSMESH_PEER_PROTOCOL; the peer listener takes both). */
  peerProtocol: z.enum(['mux', 'h2']).default('mux'),
  ...limitsSchema.shape,
})
  .refine((c) => c.endpointTtlMs >= 2 * c.heartbeatMs, { message: 'TRANSMESH_ENDPOINT_TTL_MS must be at least two heartbeats (TRANSMESH_HEARTBEAT_MS)' })
  .refine((c) => c.endpointTtlMs < endpointsMaxAgeMs, { message: `TRANSMESH_ENDPOINT_TTL_MS must be shorter than the endpoints bucket's max age (${endpointsMaxAgeMs} ms)` });

export type SidecarConfig = z.output<typeof sidecarConfigSchema>;
export type ProviderConfig = SidecarConfig['provide'][number];
