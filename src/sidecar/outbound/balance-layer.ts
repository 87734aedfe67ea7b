import { MeshError } from '../../errors/mesh-error';
import type { SnapshotCell } from '../../snapshot/snapshot-cell';
import type { Endpoint, EndpointsSnapshot } from '../../snapshot/snapshots';
import type { EndpointHealth } from './endpoint-health';
import type { PeerLayer } from './call';

/**
 * Round robin over the service's endpoints that are not ejected. When every endpoint is
 * ejected it uses them all anyway (Envoy's panic mode): a guess beats a certain failure.
 */
export function balanceLayer(endpoints: SnapshotCell<EndpointsSnapshot>, health: EndpointHealth): PeerLayer {
  const cursors = new Map<string, number>();
  return (next) => (req) => {
    const service = req.call.service;
    const all = endpoints.current.byService.get(service);
    if (!all || all.length === 0) throw new MeshError('UNAVAILABLE', `no provider of ${service} is up`);
    // Only endpoints that speak the IDL's protocol; of those, the ones not ejected (or all: panic mode).
    const protocol = req.call.route?.entry.model.protocol;
    const speaking = protocol ? all.filter((e) => e.protocol === protocol) : all;
    if (speaking.length === 0) throw new MeshError('UNAVAILABLE', `no provider of ${service} speaks ${protocol}`);
    const healthy = speaking.filter((e) => health.isHealthy(e.address));
    const pool: readonly Endpoint[] = healthy.length ? healthy : speaking;
    const i = (cursors.get(service) ?? 0) % pool.length;
    cursors.set(service, i + 1);
    req.endpoint = pool[i];
    return next(req);
  };
}
