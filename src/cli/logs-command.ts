import { z } from 'zod';
import { commonFlags, defaultNatsUrl, FlagSpec, natsAuthFrom, readFlags, validate } from './args';
import { natsUrl } from '../config/addresses';
import { followAccessLogs } from '../node/access-log-follower';
import { formatRecord } from '../telemetry/access-log';
import { onShutdown } from './shutdown';

const help = `usage: transmesh logs [--service S] [--caller APP] [--errors] [--json] [--nats URL]

Follows the access-log records of every sidecar live, from now on (no history): one readable line
per record, or the JSON record with --json. Each call shows up twice: the consumer's outbound
record and the provider's inbound one.

  --service S    only calls to service S (fully qualified name)
  --caller APP   only calls made by the app APP
  --errors       only calls that ended with a code other than OK
  --json         one JSON object a line, the keys of the access log
`;

const flags: FlagSpec = { ...commonFlags, service: { type: 'string' }, caller: { type: 'string' }, errors: { type: 'boolean' }, json: { type: 'boolean' } };
const schema = z.object({ nats: natsUrl, service: z.string().min(1).optional(), caller: z.string().min(1).optional(), errors: z.boolean().default(false), json: z.boolean().default(false) });

export async function run(argv: string[]): Promise<number> {
  const values = readFlags(argv, flags, help);
  if (!values) return 0;
  const config = validate(schema, { ...values, nats: defaultNatsUrl(values.nats) });
  const follow = await followAccessLogs(config.nats, natsAuthFrom(values), config, (r) => {
    process.stdout.write((config.json ? JSON.stringify(r) : formatRecord(r)) + '\n');
  });
  // On stderr, so stdout stays records only; scripts can wait for it.
  process.stderr.write('transmesh logs: following access-log records (Ctrl-C to stop)\n');
  // `transmesh logs | head` closes stdout: stop following, as other followers (tail -f) do.
  const closed = new Promise<void>((resolve) => process.stdout.once('error', () => resolve(follow.stop())));
  await Promise.race([onShutdown(follow.stop), follow.done, closed]);
  return 0;
}
