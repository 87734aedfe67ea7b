import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { z } from 'zod';
import { natsUrl } from '../config/addresses';
import { parseDuration } from '../policy/policy-document';
import { Subjects } from '../registry/names';
import type { PolicyListing } from '../registry/policy-store';
import type { PolicyDocRecord } from '../registry/records';
import { commonFlags, defaultNatsUrl, FlagSpec, natsAuthFrom, UsageError, validate } from './args';
import { ask, one, RegistryRefused, subcommand } from './idl-command';
import { print, table } from './output';

const help = `usage:
  transmesh policy apply FILE... [--dry-run] [--wait-timeout 10s]
                                                validate and store each document; returns once every live sidecar runs it
  transmesh policy ls                           services with a policy: revision, time applied
  transmesh policy show SERVICE [--revision N]  the document as stored (YAML)
  transmesh policy rollback SERVICE [--to N]    make the previous (or named) revision current
  transmesh policy delete SERVICE               remove the policy; sidecars go back to the mesh defaults

flags: --nats URL (default $TRANSMESH_NATS_URL or nats://127.0.0.1:4222), --json (machine-readable output),
  --wait-timeout DURATION (apply, rollback, delete: how long to wait for sidecars; default 10s)
`;

const flags: FlagSpec = {
  ...commonFlags,
  json: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  'wait-timeout': { type: 'string' },
  revision: { type: 'string' },
  to: { type: 'string' },
};

const positive = (what: string) => z.coerce.number({ error: `must be ${what}` }).int(`must be ${what}`).positive(`must be ${what}`);
const options = z.object({
  nats: natsUrl,
  'wait-timeout': z
    .string()
    .default('10s')
    .transform((s, ctx) => {
      const ms = parseDuration(s);
      if (ms === undefined || ms <= 0) {
        ctx.addIssue({ code: 'custom', message: `"${s}" is not a duration (e.g. 500ms, 10s, 2m)` });
        return z.NEVER;
      }
      return ms;
    }),
  revision: positive('a revision number').optional(),
  to: positive('a revision number').optional(),
});

/** The policy CLI: it asks the control plane over NATS and prints the answer; a refusal prints every problem, one a line. */
export async function run(argv: string[]): Promise<number> {
  const parsed = subcommand(argv, flags, help);
  if (typeof parsed === 'number') return parsed;
  const { sub, values, positionals } = parsed;
  const opts = validate(options, { ...values, nats: defaultNatsUrl(values.nats) });
  const json = !!values.json;
  const waitTimeoutMs = opts['wait-timeout'];
  // The control plane answers once sidecars confirmed, so the request may take the whole wait.
  const nats = { url: opts.nats, auth: natsAuthFrom(values) };
  const askLong = <T>(subject: string, body: unknown) => ask<T>(nats, subject, body, { idempotent: false, timeoutMs: waitTimeoutMs + 15000 });
  try {
    switch (sub) {
      case 'apply': {
        if (!positionals.length) throw new UsageError('policy apply needs at least one YAML or JSON file');
        const files = positionals.map((name) => {
          try {
            return { name, text: readFileSync(name, 'utf8') };
          } catch (err) {
            throw new UsageError(`cannot read ${name}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
          }
        });
        const res = await askLong<ApplyResult>(Subjects.policyApply, { files, dryRun: !!values['dry-run'], waitTimeoutMs, by: requester() });
        for (const w of res.warnings) process.stderr.write(`warning: ${w}\n`);
        print(json, res, () =>
          res.dryRun
            ? res.changes.flatMap((c) => [`${c.service}: ${c.current ? `changes to revision ${c.current}` : 'a new policy'} (dry run, nothing stored)`, c.diff])
            : res.applied.map((a) => `${a.service}: revision ${a.revision} applied by ${res.confirmed.length} sidecar${res.confirmed.length === 1 ? '' : 's'}`),
        );
        return 0;
      }
      case 'ls': {
        const res = await ask<PolicyListing[]>(nats, Subjects.policyList, {}, { idempotent: true });
        print(json, res, () => table(['SERVICE', 'REVISION', 'APPLIED'], res.map((p) => [p.service, String(p.revision), p.appliedAt])));
        return 0;
      }
      case 'show': {
        const service = one(positionals, 'policy show SERVICE [--revision N]');
        const res = await ask<PolicyDocRecord>(nats, Subjects.policyShow, { service, revision: opts.revision }, { idempotent: true });
        if (json) print(true, res, () => []);
        else process.stdout.write(res.yaml.endsWith('\n') ? res.yaml : `${res.yaml}\n`);
        return 0;
      }
      case 'rollback': {
        const service = one(positionals, 'policy rollback SERVICE [--to N]');
        const res = await askLong<{ service: string; revision: number; previous: number; confirmed: string[] }>(Subjects.policyRollback, { service, to: opts.to, waitTimeoutMs, by: requester() });
        print(json, res, () => [`${res.service}: revision ${res.revision} is current (was ${res.previous}), applied by ${res.confirmed.length} sidecars`]);
        return 0;
      }
      case 'delete': {
        const service = one(positionals, 'policy delete SERVICE');
        const res = await askLong<{ service: string; previous: number; confirmed: string[] }>(Subjects.policyDelete, { service, waitTimeoutMs });
        print(json, res, () => [`${res.service}: policy deleted (was revision ${res.previous}), ${res.confirmed.length} sidecars back on the mesh defaults`]);
        return 0;
      }
      default:
        throw new UsageError(`unknown policy command "${sub}" (apply, ls, show, rollback, delete)`);
    }
  } catch (err) {
    if (!(err instanceof RegistryRefused) || !err.problems.length) throw err;
    if (json) process.stdout.write(`${JSON.stringify({ error: err.message, problems: err.problems }, null, 2)}\n`);
    process.stderr.write(`transmesh: ${err.message}\n${err.problems.map((p) => `${p}\n`).join('')}`);
    return 1;
  }
}

interface ApplyResult {
  dryRun?: boolean;
  warnings: string[];
  changes: Array<{ service: string; current: number | undefined; diff: string }>;
  applied: Array<{ service: string; revision: number; previous: number | undefined; appliedAt: string }>;
  confirmed: string[];
}

/** Who asks for a change, as the dashboard shows it: `user@host` (the user unknown in some containers). */
function requester(): string {
  let user = process.env.USER ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry for this uid: keep $USER.
  }
  return `${user}@${hostname()}`;
}
