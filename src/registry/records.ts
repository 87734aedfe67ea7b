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

export const pushRequest = z.object({ files: z.record(z.string(), z.string()), entries: z.array(z.string()).min(1) });
export type PushRequest = z.infer<typeof pushRequest>;

export const rollbackRequest = z.object({ service: z.string().min(1), to: z.number().int().positive().optional() });
export const showRequest = z.object({ service: z.string().min(1) });

/** Every reply from the control plane: `ok` with a result, or a one-line error. */
export type Reply<T> = { ok: true; result: T } | { ok: false; error: string };

export const endpointRecord = z.object({
  instance: z.string(),
  app: z.string(),
  address: z.string(),
  services: z.array(
    z.object({ name: z.string(), protocol: z.enum(['grpc', 'thrift']), thriftProtocol: z.enum(['binary', 'compact']).optional() }),
  ),
});
export type EndpointRecord = z.infer<typeof endpointRecord>;

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
