import { MeshError } from '../../errors/mesh-error';
import type { CodeName } from '../../errors/codes';
import type { SnapshotCell } from '../../snapshot/snapshot-cell';
import type { IdlSnapshot } from '../../snapshot/snapshots';
import { methodPolicy, PolicySnapshot } from '../../policy/service-policy';
import type { CallLayer } from './call';
import { connectGetRefused, unknownProcedure } from './connect-error';

/**
 * Resolves `/<service>/<method>` against the IDL snapshot current when the call arrived, and
 * takes the service's policy from the policy snapshot of that moment; the call keeps both even
 * if a push or a policy apply swaps the snapshots while it is in flight. A name the IDL does not
 * know is `unknownCode`: NOT_FOUND for an HTTP/JSON caller (a path that is not there), UNIMPLEMENTED
 * for a gRPC caller, as gRPC servers answer.
 */
export function routeLayer(idl: SnapshotCell<IdlSnapshot>, policies: SnapshotCell<PolicySnapshot>, unknownCode: CodeName = 'NOT_FOUND'): CallLayer {
  return (next) => async (call) => {
    // Before the first snapshot nothing is known yet: a retryable 503, not a 404.
    if (!idl.isLoaded) throw new MeshError('UNAVAILABLE', 'the sidecar has not loaded the IDL registry yet');
    const entry = idl.current.services.get(call.service);
    if (!entry) throw unknownProcedure(unknownCode, `unknown service "${call.service}": push its IDL with "transmesh idl push"`);
    const method = entry.model.methods.get(call.method);
    if (!method) throw unknownProcedure(unknownCode, `service ${call.service} has no method "${call.method}" (its methods: ${[...entry.model.methods.keys()].join(', ')})`);
    if (call.noSideEffectsOnly && !method.noSideEffects) throw connectGetRefused(call.service, call.method);
    call.route = { entry, method };
    const service = policies.current.byService.get(call.service);
    call.policy = { service, method: methodPolicy(service, call.method), subset: undefined };
    return next(call);
  };
}
