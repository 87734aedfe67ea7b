import type { JetStreamClient, KV, NatsConnection } from 'nats';
import { liveSidecars, sidecarName } from '../discovery/live-sidecars';
import { IdlStore } from '../registry/idl-store';
import { Buckets, Subjects } from '../registry/names';
import { PolicyStore } from '../registry/policy-store';
import type { EndpointRecord, Reply } from '../registry/records';

/** What a control plane says when asked `transmesh.mesh.status`. */
export interface ControlPlaneStatus {
  at: number;
  version: string;
  instances: Record<string, { app: string; rps: number; failureRate: number | null }>;
}

/** One live sidecar as `transmesh status` shows it. Fields an older sidecar does not announce are null. */
export interface SidecarStatus {
  sidecar: string;
  app: string;
  instance: string;
  address: string;
  services: string[];
  version: string | null;
  startedAt: string | null;
  uptimeSeconds: number | null;
  idl: Record<string, number> | null;
  policies: Record<string, number>;
  policyErrors: Record<string, { revision: number; error: string }>;
  certNotBefore: string | null;
  certNotAfter: string | null;
  rps: number | null;
  failureRate: number | null;
  /** `<service> v<n> (current v<m>)` for each IDL it does not serve at its current version. */
  staleIdl: string[];
  /** `<service> revision <n> (current <m>)` for each policy it does not run at its current revision. */
  stalePolicy: string[];
}

export interface MeshStatus {
  controlPlane: ControlPlaneStatus | null;
  /** service → current IDL version; service → current policy revision. */
  currentIdl: Record<string, number>;
  currentPolicy: Record<string, number>;
  sidecars: SidecarStatus[];
}

/** Binds to a bucket that exists; undefined when it does not (these commands never create one). */
export async function bindBucket(js: JetStreamClient, name: string): Promise<KV | undefined> {
  try {
    return await js.views.kv(name, { bindOnly: true });
  } catch {
    return undefined;
  }
}

export async function askControlPlane(nc: NatsConnection, timeoutMs = 2000): Promise<ControlPlaneStatus> {
  const msg = await nc.request(Subjects.meshStatus, new TextEncoder().encode('{}'), { timeout: timeoutMs });
  const reply = JSON.parse(new TextDecoder().decode(msg.data)) as Reply<ControlPlaneStatus>;
  if (!reply.ok) throw new Error(reply.error);
  return reply.result;
}

/** Every live sidecar with the revisions it runs, against what is current, and its traffic as the control plane heard it. */
export async function meshStatus(nc: NatsConnection, now = Date.now()): Promise<MeshStatus> {
  const js = nc.jetstream();
  const [epKv, idlKv, policyKv] = await Promise.all([bindBucket(js, Buckets.endpoints), bindBucket(js, Buckets.idl), bindBucket(js, Buckets.policy)]);
  const [controlPlane, live, idl, policies] = await Promise.all([
    askControlPlane(nc).catch(() => null),
    epKv ? liveSidecars(epKv, now) : [],
    idlKv ? new IdlStore(idlKv).list() : [],
    policyKv ? new PolicyStore(policyKv).list() : [],
  ]);
  const currentIdl = Object.fromEntries(idl.map((s) => [s.name, s.version]));
  const currentPolicy = Object.fromEntries(policies.map((p) => [p.service, p.revision]));
  const sidecars = live.map(({ record }) => sidecarStatus(record, currentIdl, currentPolicy, controlPlane, now));
  return { controlPlane, currentIdl, currentPolicy, sidecars };
}

export function sidecarStatus(rec: EndpointRecord, currentIdl: Record<string, number>, currentPolicy: Record<string, number>, cp: ControlPlaneStatus | null, now: number): SidecarStatus {
  const rate = cp?.instances[rec.instance];
  const staleIdl = rec.idl ? Object.entries(currentIdl).filter(([s, v]) => rec.idl![s] !== v).map(([s, v]) => `${s} ${rec.idl![s] === undefined ? 'not loaded' : `v${rec.idl![s]}`} (current v${v})`) : [];
  const stalePolicy = Object.entries(currentPolicy)
    .filter(([s, r]) => rec.policies[s] !== r)
    .map(([s, r]) => `${s} ${rec.policies[s] === undefined ? 'no revision' : `revision ${rec.policies[s]}`} (current ${r})${rec.policyErrors[s] ? `: ${rec.policyErrors[s].error}` : ''}`);
  // A sidecar still running a policy that was deleted since.
  for (const [s, r] of Object.entries(rec.policies)) if (currentPolicy[s] === undefined) stalePolicy.push(`${s} revision ${r} (deleted)`);
  return {
    sidecar: sidecarName(rec),
    app: rec.app,
    instance: rec.instance,
    address: rec.address,
    services: rec.services.map((s) => s.name),
    version: rec.version ?? null,
    startedAt: rec.startedAt ?? null,
    uptimeSeconds: rec.startedAt ? Math.max(0, Math.round((now - Date.parse(rec.startedAt)) / 1000)) : null,
    idl: rec.idl ?? null,
    policies: rec.policies,
    policyErrors: rec.policyErrors,
    certNotBefore: rec.cert?.notBefore ?? null,
    certNotAfter: rec.cert?.notAfter ?? null,
    rps: rate ? rate.rps : cp ? 0 : null,
    failureRate: rate ? rate.failureRate : null,
    staleIdl,
    stalePolicy,
  };
}
