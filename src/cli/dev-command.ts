import { commonFlags, defaultNatsUrl, FlagSpec, readFlags, validate } from './args';
import { devConfigSchema as schema } from '../config/dev-config';
import { ProcessTree } from '../dev/processes';
import { ensureNats } from '../dev/local-nats';
import { runExamples } from '../dev/examples';
import { onShutdown } from './shutdown';
import { pushIdl, say } from '../dev/push-idl';
import { devCa } from '../dev/dev-ca';
import { sidecarNodeFlags } from '../config/node-flags';

const flags: FlagSpec = {
  ...commonFlags,
  app: { type: 'string' },
  provide: { type: 'string', multiple: true },
  push: { type: 'string', multiple: true },
  include: { type: 'string', short: 'I', multiple: true },
  listen: { type: 'string' },
  admin: { type: 'string' },
  'control-plane-admin': { type: 'string' },
  examples: { type: 'boolean' },
  once: { type: 'boolean' },
  quiet: { type: 'boolean' },
};

const help = `usage: transmesh dev [--push FILE]... [-I DIR]... [--provide SVC=URL]... [--app NAME] [--listen ADDR] [--admin ADDR] [--control-plane-admin ADDR]

A whole local mesh in one process tree: NATS (a nats-server child when none answers at --nats),
the control plane, and a sidecar that calls out on --listen (default 127.0.0.1:15001) and
fronts the --provide services (admin on --admin, default 127.0.0.1:15000). --push uploads IDL first.
The control plane's dashboard is on --control-plane-admin (default 127.0.0.1:15010), printed last.

  --examples   the demo, PHP and Java calling each other through the mesh in four directions:
               the Java providers and callers of examples-java, the PHP client and the PHP
               service of examples-php (under php -S and under php-fpm), their sidecars,
               the IDL in idl/ and the policy in examples-policy/; each direction is checked
  --once       with --examples: stop after the directions ran; exit 1 if any failed
  --quiet      do not echo the children's logs
`;


export async function run(argv: string[]): Promise<number> {
  const values = readFlags(argv, flags, help);
  if (!values) return 0;
  const config = validate(schema, { ...values, nats: defaultNatsUrl(values.nats) });
  // Output piped into `head` and closed must not crash the tree and orphan its children.
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  const tree = new ProcessTree(config.quiet ? undefined : (name, line) => process.stderr.write(`[${name}] ${line}\n`));
  // The mesh runs as in production: a CA (throw-away, in a temp dir), join tokens, mTLS between sidecars.
  const ca = await devCa();
  const stop = async () => {
    await tree.stopAll();
    ca.remove();
  };
  try {
    const nats = await ensureNats(config.nats, tree);
    say(`NATS at ${config.nats} (${nats})`);
    const cli = [process.argv[1]];
    const cpReady = await tree.start('control-plane', process.execPath, [...cli, 'control-plane', '--nats', config.nats, '--admin', config['control-plane-admin'], '--ca', ca.dir, '--ca-replace'], (l) => l.includes('control plane ready'));
    const cpAdmin = (JSON.parse(cpReady) as { admin: string }).admin;
    say(`control plane: mesh-wide metrics at ${cpAdmin}/metrics; access logs: transmesh logs; health: transmesh check, transmesh status; mesh CA in ${ca.dir} (peer hop: mTLS)`);
    if (config.examples) {
      const code = await runExamples(tree, config, cli, say, ca.joinArgs);
      if (config.once) {
        await stop();
        return code;
      }
    } else {
      if (config.push.length) await pushIdl(cli, config.nats, config.push, config.include);
      // One sidecar in both roles: its app calls out on --listen, its providers are called in over loopback.
      const args = [...sidecarNodeFlags(), ...cli, 'sidecar', '--app', config.app, '--nats', config.nats, '--listen', config.listen, '--admin', config.admin, '--inbound', '127.0.0.1:0', '--advertise', '127.0.0.1', ...ca.joinArgs(config.app)];
      for (const p of config.provide) args.push('--provide', p);
      await tree.start(`sidecar ${config.app}`, process.execPath, args, (l) => l.includes('sidecar ready'));
      say(`mesh ready: curl -s -X POST http://${config.listen}/<service>/<method> -H 'content-type: application/json' -d '{}'`);
    }
    say('Ctrl-C to stop');
    // Last, where an operator looks for it: the address is the same every run.
    say(`dashboard: ${cpAdmin}/`);
    await onShutdown(stop);
    return 0;
  } catch (err) {
    await stop();
    throw err;
  }
}
