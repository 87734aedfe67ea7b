import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { MeshError } from '../../errors/mesh-error';
import type { MeshTls } from '../../identity/mesh-tls';
import { certRevoked, type CertIdentity, type Revocations } from '../../identity/revocation';
import type { Logger } from '../../log/logger';
import type { SnapshotCell } from '../../snapshot/snapshot-cell';

/** A connection's caller certificate and the verdict on it under one deny-list snapshot. */
interface Verdict {
  readonly id: CertIdentity | undefined;
  seen: Revocations | undefined;
  refusal: MeshError | undefined;
}

/**
 * Refuses calls whose caller presents a revoked certificate, as `UNAUTHENTICATED`. The verdict is
 * per connection and per deny-list snapshot: a call costs one map look-up and one identity
 * compare; connections opened before a revocation are refused from the snapshot that carries it
 * on (a TLS session does not end when its certificate is revoked). Counted in
 * `transmesh_revoked_calls_total{caller}`; the call's access-log record says UNAUTHENTICATED.
 */
export class RevocationGate {
  private readonly verdicts = new WeakMap<Socket, Verdict>();
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly tls: MeshTls,
    private readonly revocations: SnapshotCell<Revocations>,
    private readonly log: Logger,
  ) {}

  refusal(socket: Socket, caller: string): MeshError | undefined {
    let v = this.verdicts.get(socket);
    if (!v) {
      v = { id: this.tls.identityOf((socket as TLSSocket).getPeerCertificate()), seen: undefined, refusal: undefined };
      this.verdicts.set(socket, v);
    }
    const snap = this.revocations.current;
    if (v.seen !== snap) {
      v.seen = snap;
      const reason = v.id && certRevoked(snap, v.id);
      if (reason && !v.refusal) this.log.warn({ caller, instance: v.id?.instance, reason }, 'refusing a caller with a revoked certificate');
      v.refusal = reason ? new MeshError('UNAUTHENTICATED', reason) : undefined;
    }
    if (v.refusal) this.counts.set(caller, (this.counts.get(caller) ?? 0) + 1);
    return v.refusal;
  }

  render(): string {
    if (!this.counts.size) return '';
    const out = ['# HELP transmesh_revoked_calls_total Calls refused at this provider sidecar because the caller\'s certificate is revoked.', '# TYPE transmesh_revoked_calls_total counter'];
    for (const [caller, n] of this.counts) out.push(`transmesh_revoked_calls_total{caller="${caller.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"} ${n}`);
    return out.join('\n') + '\n';
  }
}
