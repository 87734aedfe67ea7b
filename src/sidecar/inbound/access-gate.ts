import { MeshError } from '../../errors/mesh-error';
import type { Logger } from '../../log/logger';
import type { PolicySnapshot } from '../../policy/service-policy';
import type { SnapshotCell } from '../../snapshot/snapshot-cell';
import { Counter, MetricSet } from '../../telemetry/metric-family';
import { decideAccess } from './access-decision';

/**
 * The provider side's access check, before a call reaches the provider: the service's `access`
 * section from the policy snapshot in force, the caller as the peer certificate proved it.
 * `enforce` refuses with PERMISSION_DENIED; `audit` logs and counts what it would refuse.
 * Counted in `transmesh_access_decisions_total{caller,service,method,decision,mode}`.
 */
export class AccessGate {
  private readonly set = new MetricSet();
  private readonly decisions = this.set.add(new Counter('transmesh_access_decisions_total', 'Access decisions at this provider sidecar.', ['caller', 'service', 'method', 'decision', 'mode']));

  constructor(
    private readonly policies: SnapshotCell<PolicySnapshot>,
    private readonly log: Logger,
  ) {}

  admit(caller: string, service: string, method: string): MeshError | undefined {
    const access = this.policies.current.byService.get(service)?.access;
    const decision = decideAccess(access, caller, method);
    if (!decision || !access) return undefined;
    this.decisions.inc(caller, service, method, decision, access.mode);
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
    return this.set.render();
  }
}
