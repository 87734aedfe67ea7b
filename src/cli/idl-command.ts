import { z } from 'zod';
import { NatsConnection } from 'nats';
import { commonFlags, defaultNatsUrl, FlagSpec, natsAuthFrom, parseFlags, UsageError, validate } from './args';
import { natsUrl } from '../config/addresses';
import { connectNats, type NatsAuth } from '../registry/connect';
import { Subjects } from '../registry/names';
import { encodeJson } from '../registry/kv';
import type { IdlDiff, PushResult, ServiceListing, VersionHistory } from '../registry/idl-store';
import { diffLines } from './idl-diff-output';
import { collectIdl } from './collect-idl';
import { idlCompilers } from '../protocol/protocol-registry';
import { randomUUID } from 'node:crypto';
import { ControlPlaneUnavailable, requestWithRetry } from '../registry/request-retry';
import { print, table } from './output';

const help = `usage:
  transmesh idl push FILE... [-I DIR]... [--allow-breaking]
                                                upload .proto/.thrift files and what they import; a change that
                                                breaks the current version's callers or providers is refused,
                                                one problem a line (file:line:col: RULE: what changed)
  transmesh idl push --reflect HOST:PORT [--service NAME]... [--allow-breaking]
                                                the same, with the .proto files read from a running gRPC
                                                server's reflection service (every service it lists, or those named)
  transmesh idl ls                              services, protocol, current version, time pushed
  transmesh idl ls --history SERVICE            every version of a service; FORCED marks --allow-breaking pushes
  transmesh idl show SERVICE                    methods with a JSON example of each request and response
  transmesh idl diff SERVICE [--from N] [--to M]
                                                what changed between two versions (default: the current one and
                                                the one before), breaking changes marked with their rule
  transmesh idl rollback SERVICE [--to VERSION] make the previous (or named) version current

--allow-breaking stores a breaking change anyway (the history records it); a push that removes a method
a stored policy names is refused even so: change the policy first. docs/idl-compatibility.md lists the rules.

flags: --nats URL[,URL...] (default $TRANSMESH_NATS_URL or nats://127.0.0.1:4222), --json (machine-readable output)
`;

const flags: FlagSpec = {
  ...commonFlags,
  include: { type: 'string', short: 'I', multiple: true },
  to: { type: 'string' },
  from: { type: 'string' },
  json: { type: 'boolean' },
  'allow-breaking': { type: 'boolean' },
  history: { type: 'boolean' },
  reflect: { type: 'string' },
  service: { type: 'string', multiple: true },
};

const versionNumber = z.coerce.number({ error: 'must be a version number' }).int().positive();

/** The registry's CLI: it asks the control plane over NATS and prints the answer. */
export async function run(argv: string[]): Promise<number> {
  const parsed = subcommand(argv, flags, help);
  if (typeof parsed === 'number') return parsed;
  const { sub, values, positionals } = parsed;
  const { nats: url } = validate(z.object({ nats: natsUrl }), { nats: defaultNatsUrl(values.nats) });
  const nats: NatsTarget = { url, auth: natsAuthFrom(values) };
  const json = !!values.json;
  try {
    return await runSub(sub, values, positionals, nats, json);
  } catch (err) {
    // A refused push names every problem, one a line, on stderr (and in the JSON document with --json).
    if (!(err instanceof RegistryRefused) || !err.problems.length) throw err;
    if (json) process.stdout.write(`${JSON.stringify({ error: err.message, problems: err.problems }, null, 2)}\n`);
    process.stderr.write(`transmesh: ${err.message}\n${err.problems.map((p) => `${p}\n`).join('')}`);
    return 1;
  }
}

async function runSub(sub: string, values: Record<string, unknown>, positionals: string[], nats: NatsTarget, json: boolean): Promise<number> {
  switch (sub) {
    case 'push': {
      const reflect = values.reflect as string | undefined;
      if (reflect !== undefined && positionals.length) throw new UsageError('idl push takes files or --reflect HOST:PORT, not both');
      if (reflect === undefined && values.service) throw new UsageError('--service goes with --reflect HOST:PORT');
      if (reflect === undefined && !positionals.length) throw new UsageError('idl push needs at least one .proto or .thrift file (or --reflect HOST:PORT)');
      const bundle = reflect !== undefined ? await fromServer(reflect, (values.service as string[] | undefined) ?? []) : collectIdl(positionals, (values.include as string[] | undefined) ?? []);
      const allowBreaking = !!values['allow-breaking'];
      const res = await ask<PushResult>(nats, Subjects.idlPush, { ...bundle, pushId: randomUUID(), allowBreaking }, { idempotent: true });
      print(json, res, () => [
        `version ${res.version}${res.forced.length ? ` (forced: ${res.forced.length} breaking change${res.forced.length === 1 ? '' : 's'} stored with --allow-breaking)` : ''}`,
        ...res.services.map((s) => `  ${s.name} (${s.protocol})`),
        ...res.forced.map((p) => `  breaking: ${p}`),
      ]);
      return 0;
    }
    case 'ls': {
      if (values.history) {
        const service = one(positionals, 'idl ls --history SERVICE');
        const res = await ask<VersionHistory>(nats, Subjects.idlHistory, { service }, { idempotent: true });
        print(json, res, () => [
          `${res.name} (${res.protocol})`,
          ...table(
            ['VERSION', 'PUSHED', 'CURRENT', 'FORCED'],
            res.versions.map((v) => [String(v.version), v.pushedAt, v.current ? '*' : '', v.forced.length ? `yes (${v.forced.length} breaking)` : '']),
          ),
          ...res.versions.flatMap((v) => v.forced.map((p) => `  version ${v.version} forced: ${p}`)),
        ]);
        return 0;
      }
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
          `POST /${res.name}/${String(m.name)}${m.streaming ? `  (${streamingNote(m)})` : m.oneway ? '  (oneway)' : ''}${m.idempotent ? '  (idempotent)' : ''}`,
          ...(Array.isArray(m.routes) ? m.routes.map((r) => `  ${String(r)}`) : []),
          `  request:  ${JSON.stringify(m.request)}`,
          `  response: ${JSON.stringify(m.response)}`,
        ]),
      ]);
      return 0;
    }
    case 'diff': {
      const service = one(positionals, 'idl diff SERVICE [--from N] [--to M]');
      const v = validate(z.object({ from: versionNumber.optional(), to: versionNumber.optional() }), { from: values.from, to: values.to });
      const res = await ask<IdlDiff>(nats, Subjects.idlDiff, { service, from: v.from, to: v.to }, { idempotent: true });
      print(json, res, () => diffLines(res));
      return 0;
    }
    case 'rollback': {
      const service = one(positionals, 'idl rollback SERVICE [--to VERSION]');
      const to = values.to === undefined ? undefined : validate(z.object({ to: versionNumber }), { to: values.to }).to;
      const res = await ask<{ name: string; version: number; previous: number }>(nats, Subjects.idlRollback, { service, to }, { idempotent: to !== undefined });
      print(json, res, () => [`${res.name}: version ${res.version} is current (was ${res.previous})`]);
      return 0;
    }
    default:
      throw new UsageError(`unknown idl command "${sub}" (push, ls, show, diff, rollback)`);
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

/** `--reflect HOST:PORT`: the IDL read from a running server by the protocol that can (gRPC reflection). */
async function fromServer(target: string, services: string[]) {
  if (!/^[^\s/]+:\d+$/.test(target)) throw new UsageError(`--reflect ${target}: expected HOST:PORT`);
  const reader = idlCompilers().find((c) => c.fromServer);
  if (!reader?.fromServer) throw new UsageError('--reflect: no protocol of this build reads IDL from a running server');
  try {
    return { ...(await reader.fromServer(target, services)) };
  } catch (err) {
    // A server without reflection, or one that lists nothing: the user's to fix, said in one line.
    if ((err as Error).name === 'ReflectError') throw new UsageError((err as Error).message);
    throw err;
  }
}

/** How a streaming method is called over HTTP/JSON (docs/http-api.md), for `idl show`. */
export function streamingNote(m: Record<string, unknown>): string {
  if (m.clientStreaming && m.serverStreaming) return 'bidi streaming: gRPC callers only';
  if (m.clientStreaming) return 'client streaming: an NDJSON body over HTTP/JSON';
  if (m.serverStreaming) return 'server streaming: NDJSON or SSE over HTTP/JSON';
  return 'streaming';
}
