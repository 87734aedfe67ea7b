import { z } from 'zod';
import { natsUrl } from '../config/addresses';
import { commonFlags, defaultNatsUrl, FlagSpec, natsAuthFrom, UsageError, validate } from './args';
import { ask, subcommand } from './idl-command';
import { appNamePattern } from '../identity/spiffe';
import type { RevocationRecord } from '../identity/revocation';
import { Subjects } from '../registry/names';

const help = `usage: transmesh cert revoke --app NAME [--instance ID]

Every certificate issued to app NAME until now (or, with --instance, to that one sidecar) is
refused by every provider sidecar within 5 s (UNAUTHENTICATED, 401 for a JSON caller) and is not
renewed. A sidecar started afterwards with a valid token gets a new certificate and works again;
revoke the app's tokens too (transmesh token revoke) if they may have leaked.

  --instance ID   one sidecar: its instance id as discovery and policy apply name it
                  (<app>/<instance>, or <app>.<host>-<pid>-<random>)
  --nats URL      default $TRANSMESH_NATS_URL or nats://127.0.0.1:4222
`;

const flags: FlagSpec = { ...commonFlags, app: { type: 'string' }, instance: { type: 'string' } };
const schema = z.object({
  app: z.string({ error: 'is required (the app whose certificates to revoke)' }).regex(appNamePattern, 'letters, digits, . _ - only'),
  instance: z.string().min(1).optional(),
  nats: natsUrl,
});

/** `web/web.host-1-ab`, `web.host-1-ab` and `host-1-ab` all name the same sidecar of web. */
export function instanceOf(app: string, given: string): string {
  const id = given.startsWith(`${app}/`) ? given.slice(app.length + 1) : given;
  return id.startsWith(`${app}.`) ? id : `${app}.${id}`;
}

export async function run(argv: string[]): Promise<number> {
  const parsed = subcommand(argv, flags, help);
  if (typeof parsed === 'number') return parsed;
  const { sub, values, positionals } = parsed;
  if (sub !== 'revoke') throw new UsageError(`unknown subcommand "${sub}" (revoke)`);
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const config = validate(schema, { ...values, nats: defaultNatsUrl(values.nats) });
  const body = { app: config.app, ...(config.instance ? { instance: instanceOf(config.app, config.instance) } : {}) };
  const rec = await ask<RevocationRecord>({ url: config.nats, auth: natsAuthFrom(values) }, Subjects.caRevoke, body, { idempotent: !!config.instance });
  process.stdout.write(rec.kind === 'instance' ? `revoked the certificates of ${rec.app}/${rec.instance}\n` : rec.kind === 'app' ? `revoked every certificate of ${rec.app} issued until now (generation ${rec.generation})\n` : '');
  return 0;
}
