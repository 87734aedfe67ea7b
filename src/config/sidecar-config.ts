import { z } from 'zod';
import { hostPort, natsUrl } from './addresses';

const providerUrl = z.string().transform((s, ctx) => {
  const eq = s.indexOf('=');
  const service = eq > 0 ? s.slice(0, eq) : '';
  const url = s.slice(eq + 1);
  if (!/^[A-Za-z_][\w.]*$/.test(service)) {
    ctx.addIssue({ code: 'custom', message: `"${s}" is not SERVICE=URL with a fully qualified service name` });
    return z.NEVER;
  }
  if (!/^(grpc|thrift):\/\/[^/\s]+:\d+(\?[^\s]*)?$/.test(url)) {
    ctx.addIssue({ code: 'custom', message: `"${url}" is not grpc://host:port or thrift://host:port[?transport=...&protocol=...]` });
    return z.NEVER;
  }
  return { service, url, protocol: url.startsWith('grpc:') ? ('grpc' as const) : ('thrift' as const) };
});

const ms = (def: number) => z.coerce.number().int().positive().default(def);

/** The sidecar's flags and environment, validated once at start and frozen. */
export const sidecarConfigSchema = z.object({
  app: z.string({ error: 'is required (the name of the local application)' }).regex(/^[\w.-]+$/, 'letters, digits, . _ - only'),
  nats: natsUrl,
  listen: hostPort.prefault('127.0.0.1:15001'),
  inbound: hostPort.prefault('0.0.0.0:15006'),
  advertise: z.string().min(1).optional(),
  admin: hostPort.prefault('127.0.0.1:15000'),
  provide: z.array(providerUrl).default([]),
  /** The join token of --app (--token, TRANSMESH_TOKEN or --token-file); required on a mesh with a CA. */
  token: z.string().min(1).optional(),
  /** NATS credentials and CA (--nats-creds, --nats-ca). */
  natsAuth: z.object({ creds: z.string().optional(), ca: z.string().optional() }).default({}),
  /** How often a providing sidecar refreshes its discovery record, and after how long peers forget it. */
  heartbeatMs: ms(1000),
  endpointTtlMs: ms(3500),
  /** The deadline of a call that names none (Envoy's route default is 15 s). */
  defaultTimeoutMs: ms(15000),
  /** How often request counters are sent to the control plane (one batch per interval). */
  telemetryMs: ms(5000),
  /** How long SIGTERM waits for calls in flight. */
  drainMs: ms(10000),
});

export type SidecarConfig = z.output<typeof sidecarConfigSchema>;
export type ProviderConfig = SidecarConfig['provide'][number];
