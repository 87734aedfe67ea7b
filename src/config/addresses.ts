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

const oneNatsUrl = /^((nats|tls|ws|wss):\/\/[^\s,]+|[^\s:/,]+:\d+)$/;

/**
 * One NATS URL or a comma-separated list of seed URLs of one cluster (`nats://a:4222,nats://b:4222`);
 * the client also learns the other members from the servers it reaches. Kept as the string given,
 * split by `natsServers` where the client connects.
 */
export const natsUrl = z.string().refine((s) => natsServers(s).length > 0 && natsServers(s).every((u) => oneNatsUrl.test(u)), {
  message: 'must be a NATS URL such as nats://127.0.0.1:4222, or a comma-separated list of them (from --nats or TRANSMESH_NATS_URL)',
});

export function natsServers(list: string): string[] {
  return list
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u.length > 0);
}

export function formatHostPort(a: HostPort): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
