import { z } from 'zod';
import { NatsConnection } from 'nats';
import { commonFlags, defaultNatsUrl, FlagSpec, natsAuthFrom, parseFlags, UsageError, validate } from './args';
import { natsUrl } from '../config/addresses';
import { connectNats, type NatsAuth } from '../registry/connect';
import { Subjects } from '../registry/names';
import { encodeJson } from '../registry/kv';
import type { PushResult, ServiceListing } from '../registry/idl-store';
import { collectIdl } from './collect-idl';
import { randomUUID } from 'node:crypto';
import { ControlPlaneUnavailable, requestWithRetry } from '../registry/request-retry';
import { print, table } from './output';

const help = `usage:
  transmesh idl push FILE... [-I DIR]...        upload .proto/.thrift files and what they import
  transmesh idl ls                              services, protocol, current version, time pushed
  transmesh idl show SERVICE                    methods with a JSON example of each request and response
  transmesh idl rollback SERVICE [--to VERSION] make the previous (or named) version current

flags: --nats URL[,URL...] (default $TRANSMESH_NATS_URL or nats://127.0.0.1:4222), --json (machine-readable output)
`;

const flags: FlagSpec = { ...commonFlags, include: { type: 'string', short: 'I', multiple: true }, to: { type: 'string' }, json: { type: 'boolean' } };

/** The registry's CLI: it asks the control plane over NATS and prints the answer. */
export async function run(argv: string[]): Promise<number> {
  const parsed = subcommand(argv, flags, help);
  if (typeof parsed === 'number') return parsed;
  const { sub, values, positionals } = parsed;
  const { nats: url } = validate(z.object({ nats: natsUrl }), { nats: defaultNatsUrl(values.nats) });
  const nats: NatsTarget = { url, auth: natsAuthFrom(values) };
  const json = !!values.json;
  switch (sub) {
    case 'push': {
      if (!positionals.length) throw new UsageError('idl push needs at least one .proto or .thrift file');
      const bundle = collectIdl(positionals, (values.include as string[] | undefined) ?? []);
      const res = await ask<PushResult>(nats, Subjects.idlPush, { ...bundle, pushId: randomUUID() }, { idempotent: true });
      print(json, res, () => [`version ${res.version}`, ...res.services.map((s) => `  ${s.name} (${s.protocol})`)]);
      return 0;
    }
    case 'ls': {
      const res = await ask<ServiceListing[]>(nats, Subjects.idlList, {}, { idempotent: true });
      print(json, res, () => table(['SERVICE', 'PROTOCOL', 'VERSION', 'PUSHED'], res.map((s) => [s.name, s.protocol, String(s.version), s.pushedAt])));
      return 0;
    }
    case 'show': {
      const service = one(positionals, 'idl show SERVICE');
      const res = await ask<{ name: string; protocol: string; version: number; methods: Array<Record<string, unknown>> }>(nats, Subjects.idlShow, { service }, { idempotent: true });
      print(json, res, () => [
        `${res.name} (${res.protocol}, version ${res.version})`,
        ...res.methods.flatMap((m) => [
          '',
          `POST /${res.name}/${String(m.name)}${m.streaming ? '  (streaming: not callable over HTTP/JSON)' : m.oneway ? '  (oneway)' : ''}${m.idempotent ? '  (idempotent)' : ''}`,
          `  request:  ${JSON.stringify(m.request)}`,
          `  response: ${JSON.stringify(m.response)}`,
        ]),
      ]);
      return 0;
    }
    case 'rollback': {
      const service = one(positionals, 'idl rollback SERVICE [--to VERSION]');
      const to = values.to === undefined ? undefined : validate(z.object({ to: z.coerce.number({ error: 'must be a version number' }).int().positive() }), { to: values.to }).to;
      const res = await ask<{ name: string; version: number; previous: number }>(nats, Subjects.idlRollback, { service, to }, { idempotent: to !== undefined });
      print(json, res, () => [`${res.name}: version ${res.version} is current (was ${res.previous})`]);
      return 0;
    }
    default:
      throw new UsageError(`unknown idl command "${sub}" (push, ls, show, rollback)`);
  }
}

/** A refusal from the registry: printed as one line, exit 1. */
export class RegistryRefused extends Error {
  override name = 'RegistryRefused';
  constructor(
    message: string,
    /** Every problem of a refused policy, one a line. */
    readonly problems: string[] = [],
  ) {
    super(message);
  }
}

/** Where the CLI's NATS is, with its credentials. */
export interface NatsTarget {
  readonly url: string;
  readonly auth: NatsAuth;
}

export async function ask<T>(nats: NatsTarget, subject: string, body: unknown, opts: { idempotent: boolean; timeoutMs?: number }): Promise<T> {
  const nc: NatsConnection = await connectNats(nats.url, 'transmesh-cli', nats.auth);
  try {
    const totalMs = opts.timeoutMs === undefined ? undefined : Math.max(40_000, opts.timeoutMs + 5000);
    const reply = await requestWithRetry(nc, subject, encodeJson(body), { idempotent: opts.idempotent, attemptTimeoutMs: opts.timeoutMs, totalMs });
    if (!reply.ok) throw new RegistryRefused(reply.error, reply.problems);
    return reply.result as T;
  } catch (err) {
    if (err instanceof ControlPlaneUnavailable) throw new RegistryRefused(err.message);
    throw err;
  } finally {
    await nc.close();
  }
}

/** `<command> SUB [flags] [args]`: the parsed flags, or the exit code once help has been printed (2 when SUB is missing). */
export function subcommand(argv: string[], flags: FlagSpec, help: string): number | { sub: string; values: Record<string, unknown>; positionals: string[] } {
  const [sub, ...rest] = argv;
  const { help: wantsHelp, values, positionals } = parseFlags(rest, flags, true);
  if (!sub || wantsHelp || sub === '--help' || sub === '-h') {
    process.stdout.write(help);
    return sub ? 0 : 2;
  }
  return { sub, values, positionals };
}

export function one(positionals: string[], usage: string): string {
  if (positionals.length !== 1) throw new UsageError(`usage: transmesh ${usage}`);
  return positionals[0];
}
