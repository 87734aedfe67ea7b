import type { MeshTls } from '../identity/mesh-tls';
import type { SnapshotCell } from '../snapshot/snapshot-cell';
import type { EndpointsSnapshot } from '../snapshot/snapshots';
import type { PeerTls } from '../transport/grpc/h2-client';

/**
 * The consumer side of mTLS: a session to a provider sidecar must meet the app that discovery
 * says is at that address (Endpoint.app), proved by its certificate. The address → app map is
 * built once per endpoints snapshot, when a new session needs it.
 */
export function peerTls(tls: MeshTls, endpoints: SnapshotCell<EndpointsSnapshot>): PeerTls {
  let seen: EndpointsSnapshot | undefined;
  let apps = new Map<string, string>();
  return (authority) => {
    const snap = endpoints.current;
    if (snap !== seen) {
      apps = new Map();
      for (const list of snap.byService.values()) for (const e of list) apps.set(e.address, e.app);
      seen = snap;
    }
    return tls.clientOptions(apps.get(authority));
  };
}
