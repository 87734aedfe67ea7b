/** Every NATS subject and JetStream bucket the mesh uses; docs/architecture.md lists the same. */
export const Buckets = {
  /** IDL registry: `seq`, `bundle.<version>` (files of one push), `service.<name>` (versions, current). */
  idl: 'transmesh_idl',
  /** Discovery: `<instance>` → the provider sidecar's record, refreshed every heartbeat. */
  endpoints: 'transmesh_endpoints',
  /** Quotas: `q.<service>.<quota>.<caller>.<window start>` → calls taken in that window, by compare-and-set. */
  quota: 'transmesh_quota',
} as const;

export const Subjects = {
  idlPush: 'transmesh.idl.push',
  idlList: 'transmesh.idl.ls',
  idlShow: 'transmesh.idl.show',
  idlRollback: 'transmesh.idl.rollback',
  /** Sidecars publish metric batches here (`transmesh.telemetry.<app>`); the control plane aggregates. */
  telemetry: 'transmesh.telemetry',
} as const;

export const controlPlaneQueue = 'transmesh-control-plane';

/** One set of bucket options for every process, since binding with other options fails. */
export const bucketOptions = {
  [Buckets.idl]: { history: 1, ttl: 0 },
  // Old records of providers that died are purged after a minute; liveness itself is judged by the readers.
  [Buckets.endpoints]: { history: 1, ttl: 60_000 },
  // Counters of a day window must outlive the day; older windows are never read again.
  [Buckets.quota]: { history: 1, ttl: 2 * 86_400_000 },
} as const;
