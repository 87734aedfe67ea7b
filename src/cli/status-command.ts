import { meshStatus } from '../inspect/mesh-status';
import { connectNats } from '../registry/connect';
import { readQueryFlags } from './args';
import { print, table } from './output';

const help = `usage: transmesh status [--nats URL] [--json]

Every live sidecar, as discovery has it: <app>/<instance>, address, transmesh version, uptime,
the IDL versions and policy revisions it runs (* marks one behind the current), when its mesh
certificate expires, and its calls/s and failure rate now, as the control plane heard them
(docs/operations.md, "transmesh status").

flags: --nats URL (default $TRANSMESH_NATS_URL or nats://127.0.0.1:4222), --json
`;

export async function run(argv: string[]): Promise<number> {
  const flags = readQueryFlags(argv, help);
  if (!flags) return 0;
  const { nats, auth } = flags;
  const nc = await connectNats(nats, 'transmesh-status', auth);
  try {
    const now = Date.now();
    const status = await meshStatus(nc, now);
    print(flags.json, status, () => [
      ...table(
        ['SIDECAR', 'ADDRESS', 'VERSION', 'UPTIME', 'IDL', 'POLICY', 'CERT EXPIRES', 'CALLS/S', 'FAILURES'],
        status.sidecars.map((s) => [s.sidecar, s.address, s.version ?? '?', s.uptimeSeconds === null ? '?' : duration(s.uptimeSeconds), revisions(s.idl, s.staleIdl, 'v'), revisions(s.policies, s.stalePolicy, 'r'), s.certNotAfter ? `in ${duration((Date.parse(s.certNotAfter) - now) / 1000)}` : '–', s.rps === null ? '?' : String(s.rps), percent(s.failureRate)]),
      ),
      ...(status.sidecars.length ? [] : ['no live sidecar']),
      ...(status.controlPlane ? [] : ['no control plane answered: calls/s and failures unknown (?)']),
      ...status.sidecars.flatMap((s) => [...s.staleIdl.map((x) => `* ${s.sidecar}: IDL ${x}`), ...s.stalePolicy.map((x) => `* ${s.sidecar}: policy ${x}`)]),
    ]);
    return 0;
  } finally {
    await nc.close();
  }
}

/** `svc@3` per service, `*` after one behind the current; `?` for a sidecar too old to say. */
function revisions(runs: Record<string, number> | null, stale: string[], prefix: string): string {
  if (runs === null) return '?';
  const entries = Object.entries(runs);
  if (!entries.length) return '–';
  return entries.map(([svc, n]) => `${svc.split('.').pop()}@${prefix}${n}${stale.some((x) => x.startsWith(`${svc} `)) ? '*' : ''}`).join(',');
}

function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}

function percent(rate: number | null): string {
  return rate === null ? '–' : `${Math.round(rate * 1000) / 10}%`;
}

