import { z } from 'zod';

/** What is stored in the registry bucket and sent on its subjects, validated at the NATS edge. */
export const bundleRecord = z.object({
  version: z.number().int().positive(),
  pushedAt: z.string(),
  files: z.record(z.string(), z.string()),
  entries: z.array(z.string()),
  services: z.array(z.string()),
});
export type BundleRecord = z.infer<typeof bundleRecord>;

export const serviceRecord = z.object({
  name: z.string(),
  protocol: z.enum(['grpc', 'thrift']),
  current: z.number().int().positive(),
  versions: z.array(z.object({ version: z.number().int().positive(), pushedAt: z.string() })),
});
export type ServiceRecord = z.infer<typeof serviceRecord>;

export const pushRequest = z.object({
  files: z.record(z.string(), z.string()),
  entries: z.array(z.string()).min(1),
  /** Chosen by the client and kept on retries: a push retried after a lost reply gets the same version. */
  pushId: z.string().regex(/^[\w-]{8,64}$/).optional(),
});
export type PushRequest = z.infer<typeof pushRequest>;

export const rollbackRequest = z.object({ service: z.string().min(1), to: z.number().int().positive().optional() });
export const showRequest = z.object({ service: z.string().min(1) });

/** Every reply from the control plane: `ok` with a result, or a one-line error (and, for a refused policy, every problem). */
export type Reply<T> = { ok: true; result: T } | { ok: false; error: string; problems?: string[] };

/**
 * Every sidecar's record in discovery, consumer or provider: a consumer's has no services, so it
 * is never picked as a provider, but the control plane still sees it (apply waits for it).
 */
export const endpointRecord = z.object({
  instance: z.string(),
  app: z.string(),
  address: z.string(),
  services: z.array(
    z.object({ name: z.string(), protocol: z.enum(['grpc', 'thrift']), thriftProtocol: z.enum(['binary', 'compact']).optional() }),
  ),
  labels: z.record(z.string(), z.string()).default({}),
  /** service → the policy revision this sidecar runs. */
  policies: z.record(z.string(), z.number().int()).default({}),
  /** service → a revision this sidecar could not load (it keeps running the one in `policies`). */
  policyErrors: z.record(z.string(), z.object({ revision: z.number().int(), error: z.string() })).default({}),
  /** How often the record is re-put; readers judge liveness by it. */
  heartbeatMs: z.number().int().positive().default(1000),
  /*
   * What `transmesh status` and `check` show; absent from records of older sidecars, which are
   * still read (shown as unknown).
   */
  /** The transmesh version the sidecar runs (package.json). */
  version: z.string().optional(),
  /** When the sidecar started (ISO 8601), for its uptime. */
  startedAt: z.string().optional(),
  /** service → the IDL version this sidecar serves. */
  idl: z.record(z.string(), z.number().int()).optional(),
  /** The mesh certificate it presents now (ISO 8601); absent on a mesh without a CA. */
  cert: z.object({ notBefore: z.string(), notAfter: z.string() }).optional(),
});
export type EndpointRecord = z.infer<typeof endpointRecord>;

/** One stored policy revision: the YAML as applied (with `expiresAt` filled in) and its parsed form. */
export const policyDocRecord = z.object({
  service: z.string(),
  revision: z.number().int().positive(),
  appliedAt: z.string(),
  yaml: z.string(),
  document: z.unknown(),
});
export type PolicyDocRecord = z.infer<typeof policyDocRecord>;

/** Who asked for a change: `user@host` as the CLI says; free text, shown, never trusted. */
const changedBy = z.string().max(200).optional();

export const policyServiceRecord = z.object({
  service: z.string(),
  current: z.number().int().positive(),
  revisions: z.array(z.object({ revision: z.number().int().positive(), appliedAt: z.string() })),
  /** The last change of `current`: what made it, when and at whose request (absent on heads written by older control planes). */
  lastChange: z.object({ how: z.enum(['apply', 'rollback']), at: z.string(), by: changedBy }).optional(),
});
export type PolicyServiceRecord = z.infer<typeof policyServiceRecord>;

export const policyApplyRequest = z.object({
  files: z.array(z.object({ name: z.string(), text: z.string() })).min(1),
  dryRun: z.boolean().default(false),
  waitTimeoutMs: z.number().int().positive().default(10_000),
  by: changedBy,
});
export type PolicyApplyRequest = z.infer<typeof policyApplyRequest>;
export const policyShowRequest = z.object({ service: z.string().min(1), revision: z.number().int().positive().optional() });
export const policyRollbackRequest = z.object({ service: z.string().min(1), to: z.number().int().positive().optional(), waitTimeoutMs: z.number().int().positive().default(10_000), by: changedBy });
export const policyDeleteRequest = z.object({ service: z.string().min(1), waitTimeoutMs: z.number().int().positive().default(10_000) });

/** The mesh CA as kept in NATS: its certificate (PEM) and trust domain; never the key. */
export const caRecord = z.object({ cert: z.string().min(1), trustDomain: z.string().min(1) });
export type CaRecord = z.infer<typeof caRecord>;

/**
 * A sidecar asks for a certificate for `app`, proving it with its join token, or (renewal) with
 * its current certificate and a signature of the new CSR by that certificate's key.
 */
export const signRequest = z.union([
  z.object({ app: z.string().min(1), csr: z.string().min(1), token: z.string().min(1) }),
  z.object({ app: z.string().min(1), csr: z.string().min(1), renew: z.object({ cert: z.string().min(1), proof: z.string().min(1) }) }),
]);
export type SignRequest = z.infer<typeof signRequest>;
export interface SignResult {
  readonly cert: string;
  readonly ca: string;
}
