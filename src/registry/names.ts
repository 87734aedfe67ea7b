import { endpointsMaxAgeMs } from '../config/discovery-timing';

/** Every NATS subject and JetStream bucket the mesh uses; docs/architecture.md lists the same. */
export const Buckets = {
  /** IDL registry: `seq`, `bundle.<version>` (files of one push), `service.<name>` (versions, current). */
  idl: 'transmesh_idl',
  /** Discovery: `<instance>` → the provider sidecar's record, refreshed every heartbeat. */
  endpoints: 'transmesh_endpoints',
} as const;

export const Subjects = {
  idlPush: 'transmesh.idl.push',
  idlList: 'transmesh.idl.ls',
  idlShow: 'transmesh.idl.show',
  idlRollback: 'transmesh.idl.rollback',
  /** Sidecars publish metric batches here (`transmesh.telemetry.<app>`); the control plane aggregates. */
  telemetry: 'transmesh.telemetry',
  /** Sidecars publish access-log batches here (`transmesh.logs.<app>`); see telemetry/access-log.ts. */
  accessLogs: 'transmesh.logs',
} as const;

export const controlPlaneQueue = 'transmesh-control-plane';
/** Control-plane replicas writing access logs share this queue group, so each record is written once. */
export const accessLogQueue = 'transmesh-access-log';


/** One set of bucket options for every process, since binding with other options fails. */
export const bucketOptions = {
  [Buckets.idl]: { history: 1, ttl: 0 },
  // Old records of providers that died are purged after a minute; liveness itself is judged by the readers.
  [Buckets.endpoints]: { history: 1, ttl: endpointsMaxAgeMs },
} as const;
