import { checkMesh, checkSeeds, type CheckResult } from '../inspect/checks';
import { connectNats } from '../registry/connect';
import { readQueryFlags } from './args';
import { print } from './output';

const help = `usage: transmesh check [--nats URL[,URL...]] [--json]

Is the mesh healthy, and if not, what to do: every NATS seed answers, JetStream is on, each
transmesh_* bucket is there with the replicas the cluster can give, a control plane answers, the
mesh CA and when it expires, this host's clock against NATS, every live sidecar on the current IDL
and policy revisions, no certificate whose renewal is overdue. One line per check, ✔ or ✖ with
what to do; exit 1 when any fails (docs/operations.md, "transmesh check").

flags: --nats URL (default $TRANSMESH_NATS_URL or nats://127.0.0.1:4222), --json
`;

export async function run(argv: string[]): Promise<number> {
  const flags = readQueryFlags(argv, help);
  if (!flags) return 0;
  const { nats, auth } = flags;
  const checks: CheckResult[] = await checkSeeds(nats, auth);
  if (checks.some((c) => c.ok)) {
    const nc = await connectNats(nats, 'transmesh-check', auth);
    try {
      checks.push(...(await checkMesh(nc)));
    } finally {
      await nc.close();
    }
  }
  const ok = checks.every((c) => c.ok);
  print(flags.json, { ok, checks }, () => [...checks.map(line), ok ? 'all checks passed' : `${checks.filter((c) => !c.ok).length} check(s) failed`]);
  return ok ? 0 : 1;
}

function line(c: CheckResult): string {
  return c.ok ? `✔ ${c.check}: ${c.detail}` : `✖ ${c.check}: ${c.detail} → ${c.fix}`;
}
