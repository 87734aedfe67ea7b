import { parseArgs, ParseArgsConfig } from 'node:util';
import { z } from 'zod';

/** A bad flag or value: the CLI prints its message as one line and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type FlagSpec = NonNullable<ParseArgsConfig['options']>;

/** The flags every command takes. */
export const commonFlags: FlagSpec = { nats: { type: 'string' }, help: { type: 'boolean', short: 'h' } };

export function defaultNatsUrl(flag: unknown): string {
  return (flag as string | undefined) ?? process.env.TRANSMESH_NATS_URL ?? 'nats://127.0.0.1:4222';
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
