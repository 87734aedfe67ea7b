import { z } from 'zod';

/** `host:port`, `:port` or `[v6]:port`, as flags take them. */
export const hostPort = z.string().transform((s, ctx) => {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    ctx.addIssue({ code: 'custom', message: `"${s}" is not host:port` });
    return z.NEVER;
  }
  return Object.freeze({ host: m[1] ?? (m[2] || '0.0.0.0'), port });
});

export type HostPort = z.output<typeof hostPort>;

export const natsUrl = z
  .string()
  .regex(/^((nats|tls|ws|wss):\/\/[^\s]+|[^\s:/]+:\d+)$/, 'must be a NATS URL such as nats://127.0.0.1:4222 (from --nats or TRANSMESH_NATS_URL)');

export function formatHostPort(a: HostPort): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
