import { existsSync, readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { natsUrl } from '../config/addresses';
import { commonFlags, defaultNatsUrl, FlagSpec, natsAuthFrom, parseFlags, UsageError, validate } from './args';
import { IdentityError, initCa, loadCa } from '../identity/ca';
import { defaultTrustDomain, trustDomainPattern } from '../identity/spiffe';
import { connectNats } from '../registry/connect';
import { bindBucket } from '../registry/kv';
import { createLogger } from '../log/logger';
import { Buckets } from '../registry/names';
import { publishRotation, retireCa } from '../control-plane/ca-rotation';

const help = `usage:
  transmesh ca init --out DIR [--trust-domain NAME]   create the mesh CA
  transmesh ca rotate --ca DIR --out NEWDIR           a new CA, trusted with the old one (docs/security.md, "Rotating the CA")
  transmesh ca retire --ca DIR                        stop trusting the CA in DIR, once no live sidecar uses it

init writes DIR/ca.crt and DIR/ca.key (EC P-256, readable only by their owner). Start the
control planes with --ca DIR, then give each sidecar a join token
(transmesh token create --app NAME --ca DIR). An existing CA is never overwritten.

rotate writes a new CA to NEWDIR (same trust domain; a CA already there is used, so a rotation
whose publish failed can be run again) and publishes in NATS a trust bundle of the
CAs trusted so far and the new one. Restart control planes one by one with --ca NEWDIR; every
sidecar trusts both and moves to a certificate from the new CA within a minute, with no restart.

retire drops the CA in DIR from the bundle; it refuses (exit 1, naming <app>/<instance>) while a
live sidecar still presents a certificate from it. Join tokens from it stop working.

rotate and retire write the CA bucket: run them with the control plane's NATS user.

  --trust-domain NAME   the SPIFFE trust domain (default ${defaultTrustDomain})
  --nats URL            (rotate, retire) default $TRANSMESH_NATS_URL or nats://127.0.0.1:4222
`;

const flags: FlagSpec = { ...commonFlags, out: { type: 'string' }, ca: { type: 'string' }, 'trust-domain': { type: 'string' } };
const initSchema = z.object({
  out: z.string({ error: 'is required (the directory to write ca.crt and ca.key to)' }).min(1),
  'trust-domain': z.string().regex(trustDomainPattern, 'lower-case letters, digits, . _ - only').default(defaultTrustDomain),
});
const rotateSchema = z.object({
  ca: z.string({ error: 'is required (the directory of the CA the mesh trusts now)' }).min(1),
  out: z.string({ error: 'is required (the directory to write the new CA to)' }).min(1),
  nats: natsUrl,
});
const retireSchema = z.object({ ca: z.string({ error: 'is required (the directory of the CA to retire)' }).min(1), nats: natsUrl });

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { help: wantsHelp, values } = parseFlags(rest, flags);
  if (!sub || wantsHelp || sub === '--help' || sub === '-h') {
    process.stdout.write(help);
    return sub ? 0 : 2;
  }
  if (sub === 'init') {
    const config = validate(initSchema, values);
    const { certPath, keyPath } = await initCa(config.out, config['trust-domain']);
    process.stdout.write(`mesh CA for spiffe://${config['trust-domain']}\n  ${certPath}\n  ${keyPath}\n`);
    return 0;
  }
  if (sub === 'rotate') return rotate(validate(rotateSchema, { ...values, nats: defaultNatsUrl(values.nats) }), values);
  if (sub === 'retire') return retire(validate(retireSchema, { ...values, nats: defaultNatsUrl(values.nats) }), values);
  throw new UsageError(`unknown subcommand "${sub}" (init, rotate, retire)`);
}

async function withCaBuckets<T>(url: string, values: Record<string, unknown>, fn: (b: { ca: Awaited<ReturnType<typeof bindBucket>>; endpoints: Awaited<ReturnType<typeof bindBucket>> }) => Promise<T>): Promise<T> {
  const nc = await connectNats(url, 'transmesh-cli', natsAuthFrom(values));
  try {
    const js = nc.jetstream();
    const log = createLogger('ca');
    return await fn({ ca: await bindBucket(js, Buckets.ca, log), endpoints: await bindBucket(js, Buckets.endpoints, log) });
  } finally {
    await nc.close();
  }
}

async function rotate(config: z.output<typeof rotateSchema>, values: Record<string, unknown>): Promise<number> {
  const old = await loadCa(config.ca);
  // A rotation whose publish failed (NATS away) is run again as it was: the CA written then is used.
  if (existsSync(join(config.out, 'ca.crt'))) process.stderr.write(`using the CA already in ${config.out}\n`);
  else await initCa(config.out, old.trustDomain);
  const fresh = await loadCa(config.out);
  if (fresh.trustDomain !== old.trustDomain) throw new IdentityError(`the CA in ${config.out} is for trust domain ${fresh.trustDomain}, the mesh's is ${old.trustDomain}`);
  const bundle = await withCaBuckets(config.nats, values, (b) => publishRotation(b.ca, old, fresh));
  process.stdout.write(
    [
      `new mesh CA for spiffe://${old.trustDomain} in ${config.out}`,
      `trust bundle: ${bundle.certs.length} CAs (the new one last)`,
      `next: restart each control plane with --ca ${config.out}; sidecars move to certificates from it within a minute;`,
      `then: transmesh ca retire --ca ${config.ca}`,
      '',
    ].join('\n'),
  );
  return 0;
}

async function retire(config: z.output<typeof retireSchema>, values: Record<string, unknown>): Promise<number> {
  let pem: string;
  try {
    pem = readFileSync(join(config.ca, 'ca.crt'), 'utf8');
    if (!new X509Certificate(pem).ca) throw new Error('not a CA certificate');
  } catch (err) {
    throw new IdentityError(`cannot read the CA to retire in ${config.ca}: ${(err as Error).message}`);
  }
  const bundle = await withCaBuckets(config.nats, values, (b) => retireCa(b.ca, b.endpoints, pem));
  process.stdout.write(`retired the CA in ${config.ca}; the mesh trusts ${bundle.certs.length} CA${bundle.certs.length === 1 ? '' : 's'}\n`);
  return 0;
}
