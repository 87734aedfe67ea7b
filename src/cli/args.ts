import { existsSync } from 'node:fs';
import { parseArgs, ParseArgsConfig } from 'node:util';
import { z } from 'zod';
import { natsUrl } from '../config/addresses';

/** A bad flag or value: the CLI prints its message as one line and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type FlagSpec = NonNullable<ParseArgsConfig['options']>;

/** The flags every command takes. */
export const commonFlags: FlagSpec = {
  nats: { type: 'string' },
  'nats-creds': { type: 'string' },
  'nats-ca': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export function defaultNatsUrl(flag: unknown): string {
  return (flag as string | undefined) ?? process.env.TRANSMESH_NATS_URL ?? 'nats://127.0.0.1:4222';
}

/** `--nats-creds FILE` / TRANSMESH_NATS_CREDS and `--nats-ca FILE` / TRANSMESH_NATS_CA (docs/security.md). */
export function natsAuthFrom(values: Record<string, unknown>): { creds?: string; ca?: string } {
  const creds = (values['nats-creds'] as string | undefined) ?? process.env.TRANSMESH_NATS_CREDS;
  const ca = (values['nats-ca'] as string | undefined) ?? process.env.TRANSMESH_NATS_CA;
  for (const [flag, file] of [['nats-creds', creds], ['nats-ca', ca]] as const) {
    if (file !== undefined && !existsSync(file)) throw new UsageError(`--${flag}: ${file} does not exist`);
  }
  return Object.freeze({ ...(creds ? { creds } : {}), ...(ca ? { ca } : {}) });
}

export interface ParsedFlags {
  help: boolean;
  values: Record<string, unknown>;
  positionals: string[];
}

export function parseFlags(argv: string[], options: FlagSpec, allowPositionals = false): ParsedFlags {
  try {
    const parsed = parseArgs({ args: argv, options, allowPositionals, strict: true });
    const values = parsed.values as Record<string, unknown>;
    return { help: !!values.help, values, positionals: parsed.positionals };
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]);
  }
}

/** A command's flags, or undefined once `--help` has been printed. */
export function readFlags(argv: string[], options: FlagSpec, help: string): Record<string, unknown> | undefined {
  const parsed = parseFlags(argv, options);
  if (!parsed.help) return parsed.values;
  process.stdout.write(help);
  return undefined;
}

/** Validates flags and environment with a schema; the result is typed by the schema and frozen. */
export function validate<S extends z.ZodTypeAny>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue.path.length ? `--${String(issue.path[0])}: ` : '';
    throw new UsageError(`${where}${issue.message}`);
  }
  return deepFreeze(result.data);
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

/**
 * A command with one subcommand (`transmesh ca init ...`): its flags, or the exit code once help
 * was printed (0 when asked for, 2 when no subcommand was given). Another subcommand is a usage error.
 */
export function readSubcommand(argv: string[], expected: string, options: FlagSpec, help: string): Record<string, unknown> | number {
  const [sub, ...rest] = argv;
  const parsed = parseFlags(rest, options);
  if (!sub || parsed.help || sub === '--help' || sub === '-h') {
    process.stdout.write(help);
    return sub ? 0 : 2;
  }
  if (sub !== expected) throw new UsageError(`unknown subcommand "${sub}" (${expected})`);
  return parsed.values;
}

/**
 * A read-only operator command's flags (`--nats`, credentials, `--json`): the NATS URL validated,
 * or undefined once `--help` has been printed.
 */
export function readQueryFlags(argv: string[], help: string): { nats: string; auth: ReturnType<typeof natsAuthFrom>; json: boolean } | undefined {
  const values = readFlags(argv, { ...commonFlags, json: { type: 'boolean' } }, help);
  if (!values) return undefined;
  const { nats } = validate(z.object({ nats: natsUrl }), { nats: defaultNatsUrl(values.nats) });
  return { nats, auth: natsAuthFrom(values), json: !!values.json };
}
