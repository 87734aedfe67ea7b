import { z } from 'zod';
import { FlagSpec, readSubcommand, validate } from './args';
import { initCa } from '../identity/ca';
import { defaultTrustDomain, trustDomainPattern } from '../identity/spiffe';

const help = `usage: transmesh ca init --out DIR [--trust-domain NAME]

Creates the mesh CA: DIR/ca.crt and DIR/ca.key (EC P-256, readable only by their owner).
Start the control planes with --ca DIR, then give each sidecar a join token
(transmesh token create --app NAME --ca DIR). An existing CA is never overwritten.

  --trust-domain NAME   the SPIFFE trust domain (default ${defaultTrustDomain})
`;

const flags: FlagSpec = { out: { type: 'string' }, 'trust-domain': { type: 'string' }, help: { type: 'boolean', short: 'h' } };
const schema = z.object({
  out: z.string({ error: 'is required (the directory to write ca.crt and ca.key to)' }).min(1),
  'trust-domain': z.string().regex(trustDomainPattern, 'lower-case letters, digits, . _ - only').default(defaultTrustDomain),
});

export async function run(argv: string[]): Promise<number> {
  const values = readSubcommand(argv, 'init', flags, help);
  if (typeof values === 'number') return values;
  const config = validate(schema, values);
  const { certPath, keyPath } = await initCa(config.out, config['trust-domain']);
  process.stdout.write(`mesh CA for spiffe://${config['trust-domain']}\n  ${certPath}\n  ${keyPath}\n`);
  return 0;
}
