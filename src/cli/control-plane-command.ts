import { commonFlags, defaultNatsUrl, parseFlags, validate } from './args';
import { z } from 'zod';
import { natsUrl } from '../config/addresses';
import { createLogger } from '../log/logger';
import { connectNats } from '../registry/connect';
import { openBucket } from '../registry/kv';
import { bucketOptions, Buckets } from '../registry/names';
import { IdlStore } from '../registry/idl-store';
import { ControlPlane } from '../control-plane/control-plane';
import { onShutdown } from './shutdown';

const help = `usage: transmesh control-plane [--nats URL]

Validates and stores IDL in the registry bucket and answers the idl commands. Stateless:
run as many replicas as you like against the same NATS (cluster).
`;

const schema = z.object({ nats: natsUrl });

export async function run(argv: string[]): Promise<number> {
  const { help: wantsHelp, values } = parseFlags(argv, commonFlags);
  if (wantsHelp) {
    process.stdout.write(help);
    return 0;
  }
  const config = validate(schema, { nats: defaultNatsUrl(values.nats) });
  const { stop } = await startControlPlane(config.nats);
  await onShutdown(stop);
  return 0;
}

export async function startControlPlane(url: string) {
  const log = createLogger('control-plane');
  const nc = await connectNats(url, 'transmesh-control-plane');
  const kv = await openBucket(nc.jetstream(), Buckets.idl, bucketOptions[Buckets.idl]);
  const cp = new ControlPlane(nc, new IdlStore(kv), log);
  cp.start();
  await nc.flush();
  log.info({ nats: url }, 'control plane ready');
  return {
    stop: async () => {
      await cp.drain();
      await nc.drain();
      log.info('stopped');
    },
  };
}
