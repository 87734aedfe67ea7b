import { runToEnd } from './processes';

/** Pushes IDL with the CLI itself, as an operator would, and says what was pushed. */
export async function pushIdl(cli: string[], nats: string, files: string[], include: string[]): Promise<void> {
  const args = [...cli, 'idl', 'push', ...files, '--nats', nats];
  for (const d of include) args.push('-I', d);
  const res = await runToEnd(process.execPath, args);
  if (res.code !== 0) throw new Error(`idl push failed: ${res.stderr.trim()}`);
  say(`pushed IDL: ${res.stdout.trim().replace(/\n\s*/g, ' ')}`);
}

/** A line of `transmesh dev`'s own output (the children's logs go to stderr). */
export function say(line: string): void {
  process.stdout.write(`transmesh dev: ${line}\n`);
}
