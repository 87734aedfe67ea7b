import { z } from 'zod';
import { natsUrl } from '../config/addresses';
import { windowLengthMs, windowStart } from '../policy/quota-window';
import { quotaId } from '../policy/quota-lease';
import { policyDocumentSchema } from '../policy/policy-document';
import { PolicyStore } from '../registry/policy-store';
import { bindBucket } from '../registry/kv';
import { createLogger } from '../log/logger';
import { Buckets } from '../registry/names';
import { currentCounters } from '../quota/kv-lease-source';
import { bindQuotaBucket } from '../quota/quota-bucket';
import { connectNats } from '../registry/connect';
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

/**
 * Every quota of every current policy (or of one service), with its counter in the current window:
 * used 0 when no sidecar counted yet. Counters of quotas no policy has any more are left out.
 */
async function listQuotas(nc: Awaited<ReturnType<typeof connectNats>>, now: number, service: string | undefined) {
  const log = createLogger('quota');
  const policies = new PolicyStore(await bindBucket(nc.jetstream(), Buckets.policy, log));
  const counters = new Map((await currentCounters(await bindQuotaBucket(nc, log), now, service)).map((c) => [`${c.service}\u0000${c.quotaId}\u0000${c.caller}`, c]));
  const services = service ? [service] : (await policies.list()).map((p) => p.service);
  const rows = [];
  for (const name of services) {
    const head = await policies.head(name);
    if (!head) continue;
    const parsed = policyDocumentSchema.safeParse((await policies.doc(name, head.current)).document);
    if (!parsed.success) continue;
    for (const q of parsed.data.quotas ?? []) {
      const methods = [...(q.methods ?? [])].sort();
      const id = quotaId({ caller: q.caller, methods: new Set(methods), limit: q.limit, per: q.per });
      const used = counters.get(`${name}\u0000${id}\u0000${q.caller}`)?.used ?? 0;
      rows.push({ service: name, caller: q.caller, methods, per: q.per, used: Math.min(used, q.limit), limit: q.limit, windowEnd: windowStart(now, q.per) + windowLengthMs[q.per] });
    }
  }
  return rows.sort((a, b) => a.service.localeCompare(b.service) || a.caller.localeCompare(b.caller) || a.per.localeCompare(b.per));
}
