import type { MethodModel, ServiceModel } from '../idl/model';
import type { RouteTable } from '../rest/route-table';

/**
 * The data plane's view of the world: immutable values, swapped whole. The sidecar never
 * reads NATS; the wiring turns registry and discovery updates into new snapshots.
 */
export interface ServiceEntry {
  readonly model: ServiceModel;
  readonly version: number;
}

export interface IdlSnapshot {
  readonly services: ReadonlyMap<string, ServiceEntry>;
  readonly loadedAt: number;
  /** The REST routes of these services, compiled with the snapshot (absent: none are served). */
  readonly routes?: RouteTable;
}

/** One provider sidecar as discovery last saw it. */
export interface Endpoint {
  /** Stable id of the provider sidecar instance. */
  readonly instance: string;
  readonly app: string;
  /** host:port of its peer (inbound) listener. */
  readonly address: string;
  /** The adapter of the provider's service (`grpc`, `thrift`): only providers speaking the IDL's protocol are called. */
  readonly protocol: string;
  /** The wire variant the provider speaks (Thrift's `binary` or `compact`), which the consumer encodes requests in. */
  readonly encoding: string | undefined;
  /** The provider sidecar's `--label`s; policy subsets select by them. */
  readonly labels: Readonly<Record<string, string>>;
}

export interface EndpointsSnapshot {
  readonly byService: ReadonlyMap<string, readonly Endpoint[]>;
}

export const emptyIdl: IdlSnapshot = Object.freeze({ services: new Map(), loadedAt: 0 });
export const emptyEndpoints: EndpointsSnapshot = Object.freeze({ byService: new Map() });

export function findMethod(idl: IdlSnapshot, service: string, method: string): { entry: ServiceEntry; method: MethodModel } | undefined {
  const entry = idl.services.get(service);
  const m = entry?.model.methods.get(method);
  return entry && m ? { entry, method: m } : undefined;
}
