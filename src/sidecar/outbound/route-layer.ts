import { MeshError } from '../../errors/mesh-error';
import type { SnapshotCell } from '../../snapshot/snapshot-cell';
import type { IdlSnapshot } from '../../snapshot/snapshots';
import type { CallLayer } from './call';

/**
 * Resolves `/<service>/<method>` against the IDL snapshot current when the call arrived; the
 * call keeps that method even if a push swaps the snapshot while it is in flight.
 */
export function routeLayer(idl: SnapshotCell<IdlSnapshot>): CallLayer {
  return (next) => (call) => {
    // Before the first snapshot nothing is known yet: a retryable 503, not a 404.
    if (!idl.isLoaded) throw new MeshError('UNAVAILABLE', 'the sidecar has not loaded the IDL registry yet');
    const entry = idl.current.services.get(call.service);
    if (!entry) throw new MeshError('NOT_FOUND', `unknown service "${call.service}": push its IDL with "transmesh idl push"`);
    const method = entry.model.methods.get(call.method);
    if (!method) throw new MeshError('NOT_FOUND', `service ${call.service} has no method "${call.method}"`);
    call.route = { entry, method };
    return next(call);
  };
}
