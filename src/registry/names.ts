import { endpointsMaxAgeMs } from '../config/discovery-timing';

/** Every NATS subject and JetStream bucket the mesh uses; docs/architecture.md lists the same. */
export const Buckets = {
  /** IDL registry: `seq`, `bundle.<version>` (files of one push), `service.<name>` (versions, current). */
  idl: 'transmesh_idl',
  /** Discovery: `<instance>` → the provider sidecar's record, refreshed every heartbeat. */
  endpoints: 'transmesh_endpoints',
  /** Policies: `seq.<service>` (last revision handed out), `doc.<service>.<revision>` (one stored document), `service.<service>` (revisions, current). */
  policy: 'transmesh_policy',
  /** The mesh CA: `ca` → `{cert, trustDomain, bundle}` (created by the first control plane started with --ca; present = the mesh needs tokens), `revoked.{token,app,instance}.<id>` the deny list. */
  ca: 'transmesh_ca',
  /** Quotas: `q.<service>.<quota>.<caller>.<window start>` → calls taken in that window, by compare-and-set. */
  quota: 'transmesh_quota',
} as const;

export const Subjects = {
  idlPush: 'transmesh.idl.push',
  idlList: 'transmesh.idl.ls',
  idlShow: 'transmesh.idl.show',
  idlRollback: 'transmesh.idl.rollback',
  idlHistory: 'transmesh.idl.history',
  idlDiff: 'transmesh.idl.diff',
  /** Sidecars publish metric batches here (`transmesh.telemetry.<app>`); the control plane aggregates. */
  telemetry: 'transmesh.telemetry',
  /** Sidecars publish access-log batches here (`transmesh.logs.<app>`); see telemetry/access-log.ts. */
  accessLogs: 'transmesh.logs',
  policyApply: 'transmesh.policy.apply',
  policyList: 'transmesh.policy.ls',
  policyShow: 'transmesh.policy.show',
  policyRollback: 'transmesh.policy.rollback',
  policyDelete: 'transmesh.policy.delete',
  /** A sidecar's certificate signing request with its join token → its certificate. */
  caSign: 'transmesh.ca.sign',
  /** `transmesh token revoke` / `cert revoke` → the control plane adds to the deny list in the CA bucket. */
  caRevoke: 'transmesh.ca.revoke',
  /** Any control plane answers with its clock, version and each sidecar's calls/s and failure rate (`transmesh status`, `check`). */
  meshStatus: 'transmesh.mesh.status',
} as const;

/** The key of the CA record in the `transmesh_ca` bucket. */
export const caKey = 'ca';
/** Keys of the deny list in the `transmesh_ca` bucket start with this. */
export const revokedPrefix = 'revoked.';

export const controlPlaneQueue = 'transmesh-control-plane';
/** Control-plane replicas writing access logs share this queue group, so each record is written once. */
export const accessLogQueue = 'transmesh-access-log';


/** One set of bucket options for every process, since binding with other options fails. */
export const bucketOptions = {
  [Buckets.idl]: { history: 1, ttl: 0 },
  // Old records of providers that died are purged after a minute; liveness itself is judged by the readers.
  [Buckets.endpoints]: { history: 1, ttl: endpointsMaxAgeMs },
  [Buckets.policy]: { history: 1, ttl: 0 },
  [Buckets.ca]: { history: 1, ttl: 0 },
  // Counters of a day window must outlive the day; older windows are never read again.
  [Buckets.quota]: { history: 1, ttl: 2 * 86_400_000 },
} as const;
