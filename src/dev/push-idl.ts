import { runToEnd } from './processes';

/** Pushes IDL with the CLI itself, as an operator would, and says what was pushed. */
export async function pushIdl(cli: string[], nats: string, files: string[], include: string[], flags: string[] = []): Promise<void> {
  const args = ['idl', 'push', ...files, ...flags];
  for (const d of include) args.push('-I', d);
  say(`pushed IDL: ${await runCli(cli, nats, args)}`);
}

/** Applies policy documents with the CLI; it returns once every sidecar runs them. */
export async function applyPolicy(cli: string[], nats: string, files: string[]): Promise<void> {
  say(`applied policy: ${await runCli(cli, nats, ['policy', 'apply', ...files])}`);
}

async function runCli(cli: string[], nats: string, args: string[]): Promise<string> {
  const res = await runToEnd(process.execPath, [...cli, ...args, '--nats', nats]);
  if (res.code !== 0) throw new Error(`${args.slice(0, 2).join(' ')} failed: ${res.stderr.trim()}`);
  return res.stdout.trim().replace(/\n\s*/g, ' ');
}

/** A line of `transmesh dev`'s own output (the children's logs go to stderr). */
export function say(line: string): void {
  process.stdout.write(`transmesh dev: ${line}\n`);
}
