import pino, { Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stderr (the contract), so stdout stays for command output. */
export function createLogger(name: string, level = process.env.TRANSMESH_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, base: { pid: process.pid, component: name } }, pino.destination({ fd: 2, sync: true }));
}
