import { MeshError } from '../../errors/mesh-error';
import type { Logger } from '../../log/logger';
import type { PolicySnapshot } from '../../policy/service-policy';
import type { SnapshotCell } from '../../snapshot/snapshot-cell';
import { decideAccess } from './access-decision';

/**
 * The provider side's access check, before a call reaches the provider: the service's `access`
 * section from the policy snapshot in force, the caller as the peer certificate proved it.
 * `enforce` refuses with PERMISSION_DENIED; `audit` logs and counts what it would refuse.
 * Counted in `transmesh_access_decisions_total{caller,service,method,decision,mode}`.
 */
export class AccessGate {
  private readonly counts = new Map<string, { labels: string; n: number }>();

  constructor(
    private readonly policies: SnapshotCell<PolicySnapshot>,
    private readonly log: Logger,
  ) {}

  admit(caller: string, service: string, method: string): MeshError | undefined {
    const access = this.policies.current.byService.get(service)?.access;
    const decision = decideAccess(access, caller, method);
    if (!decision || !access) return undefined;
    this.count(caller, service, method, decision, access.mode);
    if (decision === 'allow') return undefined;
    const message = `access denied: caller ${caller} may not call ${service}/${method}`;
    if (access.mode === 'audit') {
      this.log.warn({ caller, service, method, mode: 'audit' }, `${message} (audit mode: let through)`);
      return undefined;
    }
    this.log.info({ caller, service, method, mode: 'enforce' }, message);
    return new MeshError('PERMISSION_DENIED', message);
  }

  render(): string {
    if (!this.counts.size) return '';
    const out = ['# HELP transmesh_access_decisions_total Access decisions at this provider sidecar.', '# TYPE transmesh_access_decisions_total counter'];
    for (const { labels, n } of this.counts.values()) out.push(`transmesh_access_decisions_total{${labels}} ${n}`);
    return out.join('\n') + '\n';
  }

  private count(caller: string, service: string, method: string, decision: string, mode: string): void {
    const key = `${caller}\u0000${service}\u0000${method}\u0000${decision}\u0000${mode}`;
    let c = this.counts.get(key);
    if (!c) {
      const labels = `caller="${esc(caller)}",service="${esc(service)}",method="${esc(method)}",decision="${decision}",mode="${mode}"`;
      this.counts.set(key, (c = { labels, n: 0 }));
    }
    c.n++;
  }
}

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
