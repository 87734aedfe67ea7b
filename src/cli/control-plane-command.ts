import { commonFlags, defaultNatsUrl, FlagSpec, readFlags, validate } from './args';
import { z } from 'zod';
import { hostPort, natsUrl } from '../config/addresses';
import { startControlPlane } from '../node/control-plane-node';
import { onShutdown } from './shutdown';

const help = `usage: transmesh control-plane [--nats URL] [--admin ADDR] [--access-log FILE|-]

Validates and stores IDL in the registry bucket and answers the idl commands, and adds up the
request metrics every sidecar reports, writes their access logs (--access-log) and serves a live
dashboard on the admin listener. Stateless: run as many replicas as you like against the
same NATS (cluster).

  --admin ADDR        GET / (dashboard), /api/overview, /metrics (mesh-wide Prometheus text),
                      /healthz, /readyz (default 127.0.0.1:15010)
  --access-log FILE   write every sidecar's access-log records to FILE (- for stdout), one JSON
                      object a line; SIGHUP reopens FILE (log rotation). Replicas with the flag
                      share the work: each record is written once.

environment: TRANSMESH_ENDPOINT_TTL_MS (3500): providers silent this long show as gone on the dashboard
`;

const schema = z.object({
  nats: natsUrl,
  admin: hostPort.prefault('127.0.0.1:15010'),
  'access-log': z.string().min(1).optional(),
  endpointTtlMs: z.coerce.number().int().positive().default(15000),
});
const flags: FlagSpec = { ...commonFlags, admin: { type: 'string' }, 'access-log': { type: 'string' } };

export async function run(argv: string[]): Promise<number> {
  const values = readFlags(argv, flags, help);
  if (!values) return 0;
  const config = validate(schema, { ...values, nats: defaultNatsUrl(values.nats), endpointTtlMs: process.env.TRANSMESH_ENDPOINT_TTL_MS });
  const { stop } = await startControlPlane(config.nats, config.admin, { accessLog: config['access-log'], endpointTtlMs: config.endpointTtlMs });
  await onShutdown(stop);
  return 0;
}
