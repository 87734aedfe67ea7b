import { commonFlags, defaultNatsUrl, FlagSpec, natsAuthFrom, readFlags, UsageError, validate } from './args';
import { z } from 'zod';
import { hostPort, natsUrl } from '../config/addresses';
import { startControlPlane } from '../node/control-plane-node';
import { parseDuration } from '../policy/policy-document';
import { defaultCertTtlMs } from '../control-plane/cert-signer';
import { onShutdown } from './shutdown';

const help = `usage: transmesh control-plane [--nats URL] [--admin ADDR] [--access-log FILE|-] [--ca DIR]

Validates and stores IDL in the registry bucket and answers the idl commands, and adds up the
request metrics every sidecar reports, writes their access logs (--access-log) and serves a live
dashboard on the admin listener. Stateless: run as many replicas as you like against the
same NATS (cluster).

  --admin ADDR        GET / (dashboard), /api/overview, /metrics (mesh-wide Prometheus text),
                      /healthz, /readyz (default 127.0.0.1:15010)
  --access-log FILE   write every sidecar's access-log records to FILE (- for stdout), one JSON
                      object a line; SIGHUP reopens FILE (log rotation). Replicas with the flag
                      share the work: each record is written once.
  --ca DIR            the mesh CA (from transmesh ca init): sign sidecar certificates; from then on
                      the mesh needs join tokens and the peer hop is mTLS. Replicas share one DIR.
                      It must be in the mesh's trust bundle, if the mesh has one (ca rotate adds it).
  --ca-replace        make --ca the mesh's only trusted CA, whatever the bundle held (transmesh dev,
                      a throw-away mesh: sidecars of any other CA can no longer call or be called)
  --nats-creds FILE   NATS credentials file (default $TRANSMESH_NATS_CREDS)
  --nats-ca FILE      CA of the NATS server's TLS certificate (default $TRANSMESH_NATS_CA)

environment: TRANSMESH_ENDPOINT_TTL_MS (15000): providers silent this long show as gone on the
  dashboard; TRANSMESH_CERT_TTL (lifetime of the certificates it signs, default 24h)
`;

const schema = z.object({
  nats: natsUrl,
  admin: hostPort.prefault('127.0.0.1:15010'),
  'access-log': z.string().min(1).optional(),
  endpointTtlMs: z.coerce.number().int().positive().default(15000),
  ca: z.string().min(1).optional(),
  'ca-replace': z.boolean().default(false),
  certTtlMs: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined) return defaultCertTtlMs;
      const ms = parseDuration(s);
      if (ms === undefined || ms < 1000) ctx.addIssue({ code: 'custom', message: `TRANSMESH_CERT_TTL: "${s}" is not a duration of at least 1s (e.g. 30s, 12h)` });
      return ms ?? 0;
    }),
});
const flags: FlagSpec = { ...commonFlags, admin: { type: 'string' }, 'access-log': { type: 'string' }, ca: { type: 'string' }, 'ca-replace': { type: 'boolean' } };

export async function run(argv: string[]): Promise<number> {
  const values = readFlags(argv, flags, help);
  if (!values) return 0;
  const config = validate(schema, { ...values, nats: defaultNatsUrl(values.nats), endpointTtlMs: process.env.TRANSMESH_ENDPOINT_TTL_MS, certTtlMs: process.env.TRANSMESH_CERT_TTL });
  if (config['ca-replace'] && !config.ca) throw new UsageError('--ca-replace needs --ca');
  const { stop } = await startControlPlane({ ...config, caReplace: config['ca-replace'], accessLog: config['access-log'], natsAuth: natsAuthFrom(values) });
  await onShutdown(stop);
  return 0;
}
