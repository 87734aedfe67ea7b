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
  /** The protocol adapter that compiled it (`grpc`, `thrift`). */
  protocol: z.string(),
  current: z.number().int().positive(),
  versions: z.array(
    z.object({
      version: z.number().int().positive(),
      pushedAt: z.string(),
      /** Stored with --allow-breaking: the breaking changes it was pushed with, one problem a line. */
      forced: z.array(z.string()).optional(),
    }),
  ),
});
export type ServiceRecord = z.infer<typeof serviceRecord>;

export const pushRequest = z.object({
  files: z.record(z.string(), z.string()),
  entries: z.array(z.string()).min(1),
  /** Chosen by the client and kept on retries: a push retried after a lost reply gets the same version. */
  pushId: z.string().regex(/^[\w-]{8,64}$/).optional(),
  /** Store it even when it breaks callers or providers of the current version (the history records it). */
  allowBreaking: z.boolean().default(false),
});
export type PushRequest = z.input<typeof pushRequest>;

export const rollbackRequest = z.object({ service: z.string().min(1), to: z.number().int().positive().optional() });
export const showRequest = z.object({ service: z.string().min(1) });
export const historyRequest = z.object({ service: z.string().min(1) });
export const diffRequest = z.object({ service: z.string().min(1), from: z.number().int().positive().optional(), to: z.number().int().positive().optional() });

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
    z
      .object({
        name: z.string(),
        protocol: z.string(),
        /** The wire variant consumers encode requests in (Thrift's binary or compact). */
        encoding: z.string().optional(),
        /** What sidecars before `encoding` announced (Thrift only); read, never written. */
        thriftProtocol: z.string().optional(),
      })
      .transform(({ thriftProtocol, ...s }) => ({ ...s, encoding: s.encoding ?? thriftProtocol })),
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
  /**
   * The mesh certificate this sidecar presents (mesh with a CA): its CA (`issuer`, the CA's
   * SHA-256 fingerprint; `ca retire` refuses while one from the CA to retire is live), its own
   * fingerprint and validity (`check` finds a renewal that is overdue).
   */
  cert: z.object({ issuer: z.string().optional(), fingerprint: z.string().optional(), notBefore: z.string().optional(), notAfter: z.string() }).optional(),
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

/**
 * The mesh CA as kept in NATS (never its key): `cert` the CA control planes sign with, `bundle`
 * every CA trusted (oldest first, `cert` last; absent = only `cert`), `trustDomain`.
 */
export const caRecord = z.object({ cert: z.string().min(1), trustDomain: z.string().min(1), bundle: z.array(z.string().min(1)).min(1).optional() });
export type CaRecord = z.infer<typeof caRecord>;

/** The CAs a record trusts, oldest first. */
export function trustedCerts(rec: CaRecord): string[] {
  return rec.bundle ?? [rec.cert];
}

/** One entry of the deny list, under `revoked.<kind>.<id>` in the CA bucket. */
export const revocationRecord = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('token'), id: z.string().min(1), at: z.string() }),
  z.object({ kind: z.literal('app'), app: z.string().min(1), generation: z.number().int().positive(), at: z.string() }),
  z.object({ kind: z.literal('instance'), app: z.string().min(1), instance: z.string().min(1), at: z.string() }),
]);

const kvToken = /^[-\w=.]+$/;
/** `transmesh token revoke` (a token's id) or `transmesh cert revoke` (an app, or one of its sidecars). */
export const revokeRequest = z.union([
  z.object({ tokenId: z.string().regex(kvToken, 'not a token id') }),
  z.object({ app: z.string().regex(/^[\w.-]+$/, 'not an app name'), instance: z.string().regex(kvToken, 'not an instance id').optional() }),
]);
export type RevokeRequest = z.infer<typeof revokeRequest>;

/**
 * A sidecar asks for a certificate for `app`, proving it with its join token, or (renewal) with
 * its current certificate and a signature of the new CSR by that certificate's key.
 */
const instance = z.string().regex(/^[-\w=.]{1,200}$/).optional();
export const signRequest = z.union([
  z.object({ app: z.string().min(1), csr: z.string().min(1), token: z.string().min(1), instance }),
  z.object({ app: z.string().min(1), csr: z.string().min(1), renew: z.object({ cert: z.string().min(1), proof: z.string().min(1) }), instance }),
]);
export type SignRequest = z.infer<typeof signRequest>;
export interface SignResult {
  readonly cert: string;
  readonly ca: string;
}
