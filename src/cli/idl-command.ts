import { z } from 'zod';
import { NatsConnection } from 'nats';
import { commonFlags, defaultNatsUrl, FlagSpec, parseFlags, UsageError, validate } from './args';
import { natsUrl } from '../config/addresses';
import { connectNats } from '../registry/connect';
import { Subjects } from '../registry/names';
import { encodeJson } from '../registry/kv';
import type { Reply } from '../registry/records';
import type { PushResult, ServiceListing } from '../registry/idl-store';
import { collectIdl } from './collect-idl';
import { print, table } from './output';

const help = `usage:
  transmesh idl push FILE... [-I DIR]...        upload .proto/.thrift files and what they import
  transmesh idl ls                              services, protocol, current version, time pushed
  transmesh idl show SERVICE                    methods with a JSON example of each request and response
  transmesh idl rollback SERVICE [--to VERSION] make the previous (or named) version current

flags: --nats URL (default $TRANSMESH_NATS_URL or nats://127.0.0.1:4222), --json (machine-readable output)
`;

const flags: FlagSpec = { ...commonFlags, include: { type: 'string', short: 'I', multiple: true }, to: { type: 'string' }, json: { type: 'boolean' } };

/** The registry's CLI: it asks the control plane over NATS and prints the answer. */
export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { help: wantsHelp, values, positionals } = parseFlags(rest, flags, true);
  if (!sub || wantsHelp || sub === '--help' || sub === '-h') {
    process.stdout.write(help);
    return sub ? 0 : 2;
  }
  const { nats } = validate(z.object({ nats: natsUrl }), { nats: defaultNatsUrl(values.nats) });
  const json = !!values.json;
  switch (sub) {
    case 'push': {
      if (!positionals.length) throw new UsageError('idl push needs at least one .proto or .thrift file');
      const bundle = collectIdl(positionals, (values.include as string[] | undefined) ?? []);
      const res = await ask<PushResult>(nats, Subjects.idlPush, bundle);
      print(json, res, () => [`version ${res.version}`, ...res.services.map((s) => `  ${s.name} (${s.protocol})`)]);
      return 0;
    }
    case 'ls': {
      const res = await ask<ServiceListing[]>(nats, Subjects.idlList, {});
      print(json, res, () => table(['SERVICE', 'PROTOCOL', 'VERSION', 'PUSHED'], res.map((s) => [s.name, s.protocol, String(s.version), s.pushedAt])));
      return 0;
    }
    case 'show': {
      const service = one(positionals, 'idl show SERVICE');
      const res = await ask<{ name: string; protocol: string; version: number; methods: Array<Record<string, unknown>> }>(nats, Subjects.idlShow, { service });
      print(json, res, () => [
        `${res.name} (${res.protocol}, version ${res.version})`,
        ...res.methods.flatMap((m) => [
          '',
          `POST /${res.name}/${String(m.name)}${m.streaming ? '  (streaming: not callable over HTTP/JSON)' : m.oneway ? '  (oneway)' : ''}`,
          `  request:  ${JSON.stringify(m.request)}`,
          `  response: ${JSON.stringify(m.response)}`,
        ]),
      ]);
      return 0;
    }
    case 'rollback': {
      const service = one(positionals, 'idl rollback SERVICE [--to VERSION]');
      const to = values.to === undefined ? undefined : validate(z.object({ to: z.coerce.number({ error: 'must be a version number' }).int().positive() }), { to: values.to }).to;
      const res = await ask<{ name: string; version: number; previous: number }>(nats, Subjects.idlRollback, { service, to });
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
}

async function ask<T>(url: string, subject: string, body: unknown): Promise<T> {
  const nc: NatsConnection = await connectNats(url, 'transmesh-cli');
  try {
    const msg = await nc.request(subject, encodeJson(body), { timeout: 15000 }).catch((err: Error) => {
      const noResponders = /503|no responders/i.test(err.message);
      throw new RegistryRefused(noResponders ? 'no control plane is answering on NATS (start one: transmesh control-plane)' : `the control plane did not answer: ${err.message}`);
    });
    const reply = JSON.parse(new TextDecoder().decode(msg.data)) as Reply<T>;
    if (!reply.ok) throw new RegistryRefused(reply.error);
    return reply.result;
  } finally {
    await nc.close();
  }
}

function one(positionals: string[], usage: string): string {
  if (positionals.length !== 1) throw new UsageError(`usage: transmesh ${usage}`);
  return positionals[0];
}
