import { MeshError } from '../../errors/mesh-error';
import type { SnapshotCell } from '../../snapshot/snapshot-cell';
import type { EndpointsSnapshot, IdlSnapshot } from '../../snapshot/snapshots';
import type { LocalMethod, LocalReplies } from './grpc-listener';
import { readFields, varintField } from './grpc-wire';

/** grpc.health.v1.HealthCheckResponse.ServingStatus. */
export const ServingStatus = { SERVING: 1, NOT_SERVING: 2 } as const;

/**
 * The sidecar's own `grpc.health.v1.Health` (grpc-health-probe, grpc-java's health checking):
 * a service is SERVING while discovery lists a provider of it speaking its IDL's protocol,
 * NOT_SERVING otherwise; `""` is the sidecar itself, SERVING until it drains. A service the
 * registry does not know is NOT_FOUND, as grpc-health answers. Its two messages (a string in,
 * an enum out) are read and written here by hand, so it needs no IDL.
 */
export class GrpcHealth {
  private readonly watchers = new Set<{ service: string; last: number; out: LocalReplies }>();

  constructor(
    private readonly idl: SnapshotCell<IdlSnapshot>,
    private readonly endpoints: SnapshotCell<EndpointsSnapshot>,
    private readonly draining: () => boolean,
  ) {
    // One subscription for every watcher: each hears only a change of its own service's status.
    const changed = () => {
      for (const w of this.watchers) {
        const now = this.statusOf(w.service);
        if (now !== w.last) w.out.send(statusMessage((w.last = now)));
      }
    };
    idl.onSwap(changed);
    endpoints.onSwap(changed);
  }

  /** The methods by path, for the gRPC listener to answer itself. */
  methods(): ReadonlyMap<string, LocalMethod> {
    return new Map<string, LocalMethod>([
      ['/grpc.health.v1.Health/Check', (message, out) => {
        out.send(statusMessage(this.known(serviceOf(message))));
        out.end();
      }],
      // Server streaming: the status now, then every change, until the caller goes away.
      ['/grpc.health.v1.Health/Watch', (message, out) => {
        const service = serviceOf(message);
        // Watch says SERVICE_UNKNOWN (3) rather than failing, so a watcher can wait for a service to appear.
        const w = { service, last: this.statusOf(service), out };
        out.send(statusMessage(w.last));
        this.watchers.add(w);
        out.onClose(() => this.watchers.delete(w));
      }],
    ]);
  }

  /** Check's answer: NOT_FOUND for a service the registry does not know. */
  private known(service: string): number {
    const status = this.statusOf(service);
    if (status === serviceUnknown) throw new MeshError('NOT_FOUND', `unknown service "${service}": push its IDL with "transmesh idl push"`);
    return status;
  }

  private statusOf(service: string): number {
    if (service === '') return this.draining() ? ServingStatus.NOT_SERVING : ServingStatus.SERVING;
    const entry = this.idl.current.services.get(service);
    if (!entry) return serviceUnknown;
    const providers = this.endpoints.current.byService.get(service) ?? [];
    return providers.some((e) => e.protocol === entry.model.protocol) ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
  }
}

const serviceUnknown = 3;

/** HealthCheckResponse { ServingStatus status = 1; } */
function statusMessage(status: number): Buffer {
  return varintField(1, status);
}

/** HealthCheckRequest { string service = 1; }: field 1, other fields skipped as protobuf says. */
export function serviceOf(message: Buffer): string {
  let service = '';
  readFields(message, (field, value) => {
    if (field === 1 && Buffer.isBuffer(value)) service = value.toString('utf8');
  }, 'grpc.health.v1.HealthCheckRequest');
  return service;
}
