import type { ProcessTree } from './processes';
import type { DevConfig } from '../config/dev-config';
import { sidecarNodeFlags } from '../config/node-flags';

/** What the demo's parts share: the tree, the flags, the CLI, and how to start a sidecar in it. */
export interface ExampleMesh {
  readonly tree: ProcessTree;
  readonly config: DevConfig;
  readonly cli: string[];
  readonly say: (line: string) => void;
  /** Starts a sidecar for `app` with its join token; resolves with the ports of its ready line. */
  sidecar(app: string, extra: string[]): Promise<{ listen: number; inbound: number }>;
}

/** Loopback listeners on ports the OS picks, for sidecars the demo's user never dials. */
export const LOCAL = ['--listen', '127.0.0.1:0', '--inbound', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--advertise', '127.0.0.1'];

/** `env` is added to every sidecar's environment (the demo's OpenTelemetry settings). */
export function exampleMesh(tree: ProcessTree, config: DevConfig, cli: string[], say: (l: string) => void, joinArgs: (app: string) => string[], env: Record<string, string>): ExampleMesh {
  return {
    tree,
    config,
    cli,
    say,
    async sidecar(app, extra) {
      const args = [...sidecarNodeFlags(), ...cli, 'sidecar', '--app', app, '--nats', config.nats, ...joinArgs(app), ...extra];
      const ready = await tree.start(`sidecar ${app}`, process.execPath, args, (l) => l.includes('sidecar ready'), { env });
      // The ready line names its listeners as URLs or ports: `"listen": "http://127.0.0.1:15001"`.
      const { listen, inbound } = JSON.parse(ready) as { listen: string | number; inbound: string | number };
      return { listen: portIn(listen), inbound: portIn(inbound) };
    },
  };
}

function portIn(listener: string | number): number {
  return Number(/(\d+)\/?$/.exec(String(listener))![1]);
}
