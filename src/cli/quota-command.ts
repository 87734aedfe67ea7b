import { z } from 'zod';
import { natsUrl } from '../config/addresses';
import { connectNats } from '../registry/connect';
import { listQuotas } from '../quota/quota-listing';
import { commonFlags, defaultNatsUrl, FlagSpec, natsAuthFrom, parseFlags, UsageError, validate } from './args';
import { print, table } from './output';

const help = `usage: transmesh quota ls [SERVICE] [--json]

Each quota of the services' current policies (transmesh policy apply) with the calls counted in
the current window: service, caller, methods, window, used / limit (0 before the first call),
and when the window ends. The counts are the mesh-wide counters every consumer sidecar of the
caller shares (docs/policy.md, "Quotas").

flags: --nats URL (default $TRANSMESH_NATS_URL or nats://127.0.0.1:4222), --json
`;

const flags: FlagSpec = { ...commonFlags, json: { type: 'boolean' } };

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { help: wantsHelp, values, positionals } = parseFlags(rest, flags, true);
  if (!sub || wantsHelp || sub === '--help' || sub === '-h') {
    process.stdout.write(help);
    return sub ? 0 : 2;
  }
  if (sub !== 'ls') throw new UsageError(`unknown quota command "${sub}" (ls)`);
  if (positionals.length > 1) throw new UsageError('usage: transmesh quota ls [SERVICE]');
  const { nats } = validate(z.object({ nats: natsUrl }), { nats: defaultNatsUrl(values.nats) });
  const nc = await connectNats(nats, 'transmesh-cli', natsAuthFrom(values));
  try {
    const now = Date.now();
    const rows = (await listQuotas(nc, now, positionals[0])).map((r) => ({ ...r, remaining: Math.max(0, r.limit - r.used) }));
    print(!!values.json, rows, () =>
      table(['SERVICE', 'CALLER', 'METHODS', 'PER', 'USED/LIMIT', 'WINDOW ENDS'], rows.map((r) => [r.service, r.caller, r.methods.join(',') || '*', r.per, `${r.used}/${r.limit}`, new Date(r.windowEnd).toISOString()])),
    );
    return 0;
  } finally {
    await nc.close();
  }
}
