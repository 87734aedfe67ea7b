import type { Root } from 'protobufjs';
import type { MethodModel, Protocol, ServiceModel, ThriftProtocolName } from '../idl/model';

/**
 * The data plane's view of the world: immutable values, swapped whole. The sidecar never
 * reads NATS; the wiring turns registry and discovery updates into new snapshots.
 */
export interface ServiceEntry {
  readonly model: ServiceModel;
  readonly version: number;
  /** The protobuf root of the bundle, for rendering `grpc-status-details-bin` (gRPC only). */
  readonly root: Root | undefined;
}

export interface IdlSnapshot {
  readonly services: ReadonlyMap<string, ServiceEntry>;
  readonly loadedAt: number;
}

/** One provider sidecar as discovery last saw it. */
export interface Endpoint {
  /** Stable id of the provider sidecar instance. */
  readonly instance: string;
  readonly app: string;
  /** host:port of its peer (inbound) listener. */
  readonly address: string;
  readonly protocol: Protocol;
  /** For Thrift: the protocol the provider speaks, which the consumer encodes arguments in. */
  readonly thriftProtocol: ThriftProtocolName | undefined;
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
