import { z } from 'zod';
import { FlagSpec, readSubcommand, validate } from './args';
import { loadCa } from '../identity/ca';
import { createToken } from '../identity/join-token';
import { appNamePattern } from '../identity/spiffe';
import { parseDuration } from '../policy/policy-document';

const help = `usage: transmesh token create --app NAME --ca DIR [--ttl 30d]

Prints a join token for one app, signed by the mesh CA in DIR. A sidecar started with
--app NAME --token TOKEN (or TRANSMESH_TOKEN, or --token-file) gets its certificate with it.
The token is a secret: whoever holds it can join the mesh as NAME until it expires.

  --ttl DURATION   how long the token is good for: 45s, 90m, 12h, 30d (default 30d)
`;

const flags: FlagSpec = { app: { type: 'string' }, ca: { type: 'string' }, ttl: { type: 'string' }, help: { type: 'boolean', short: 'h' } };
const schema = z.object({
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
  const values = readSubcommand(argv, 'create', flags, help);
  if (typeof values === 'number') return values;
  const config = validate(schema, values);
  const ca = await loadCa(config.ca);
  process.stdout.write(createToken(ca.keyPem, { app: config.app, trustDomain: ca.trustDomain, ttlMs: config.ttl }) + '\n');
  return 0;
}
