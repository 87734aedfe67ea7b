import { z } from 'zod';
import { natsUrl } from '../config/addresses';
import { commonFlags, defaultNatsUrl, FlagSpec, natsAuthFrom, UsageError, validate } from './args';
import { ask, one, subcommand } from './idl-command';
import { loadCa } from '../identity/ca';
import { createToken } from '../identity/join-token';
import { tokenId, tokenIdOf } from '../identity/revocation';
import { appNamePattern } from '../identity/spiffe';
import { parseDuration } from '../policy/policy-document';
import { Subjects } from '../registry/names';

const help = `usage:
  transmesh token create --app NAME --ca DIR [--ttl 30d]   print a join token (its id on stderr)
  transmesh token revoke TOKEN|ID                          the control plane signs nothing more for it

create prints a join token for one app, signed by the mesh CA in DIR. A sidecar started with
--app NAME --token TOKEN (or TRANSMESH_TOKEN, or --token-file) gets its certificate with it.
The token is a secret: whoever holds it can join the mesh as NAME until it expires or is revoked.

revoke takes the token itself or the id create printed; a sidecar starting with it exits
non-zero. Sidecars that already joined with it keep their certificates: to shut them out too,
transmesh cert revoke --app NAME.

  --ttl DURATION   how long the token is good for: 45s, 90m, 12h, 30d (default 30d)
  --nats URL       (revoke) default $TRANSMESH_NATS_URL or nats://127.0.0.1:4222
`;

const flags: FlagSpec = { ...commonFlags, app: { type: 'string' }, ca: { type: 'string' }, ttl: { type: 'string' } };
const createSchema = z.object({
  app: z.string({ error: 'is required (the app the token proves)' }).regex(appNamePattern, 'letters, digits, . _ - only'),
  ca: z.string({ error: 'is required (the CA directory from transmesh ca init)' }).min(1),
  ttl: z
    .string()
    .default('30d')
    .transform((s, ctx) => {
      const ms = parseDuration(s);
      if (ms === undefined || ms <= 0) ctx.addIssue({ code: 'custom', message: `"${s}" is not a duration (45s, 90m, 12h, 30d)` });
      return ms ?? 0;
    }),
});

export async function run(argv: string[]): Promise<number> {
  const parsed = subcommand(argv, flags, help);
  if (typeof parsed === 'number') return parsed;
  const { sub, values, positionals } = parsed;
  if (sub === 'create') {
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const config = validate(createSchema, values);
    const ca = await loadCa(config.ca);
    const token = createToken(ca.keyPem, { app: config.app, trustDomain: ca.trustDomain, ttlMs: config.ttl });
    process.stdout.write(token + '\n');
    process.stderr.write(`token id: ${tokenId(token)} (transmesh token revoke ${tokenId(token)})\n`);
    return 0;
  }
  if (sub === 'revoke') {
    const id = tokenIdOf(one(positionals, 'token revoke TOKEN|ID'));
    const nats = validate(z.object({ nats: natsUrl }), { nats: defaultNatsUrl(values.nats) }).nats;
    await ask({ url: nats, auth: natsAuthFrom(values) }, Subjects.caRevoke, { tokenId: id }, { idempotent: true });
    process.stdout.write(`revoked token ${id}\n`);
    return 0;
  }
  throw new UsageError(`unknown subcommand "${sub}" (create, revoke)`);
}
