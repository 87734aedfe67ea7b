import { X509Certificate } from 'node:crypto';
import { connect, KvWatchInclude, type NatsConnection } from 'nats';
import { natsServers } from '../config/addresses';
import { authOptions, type NatsAuth, redact } from '../registry/connect';
import { decodeJson, isLive } from '../registry/kv';
import { Buckets, caKey } from '../registry/names';
import { caRecord } from '../registry/records';
import { askControlPlane, bindBucket, meshStatus, type MeshStatus } from './mesh-status';

/** One line of `transmesh check`: what was checked, what was found, and for a failure what to do. */
export interface CheckResult {
  check: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

const day = 86_400_000;
/** A clock this far from NATS's makes liveness and certificate times wrong. */
export const maxSkewMs = 1000;
/** The mesh CA should have this much life left: rotating takes a while (docs/security.md). */
export const caWarnMs = 30 * day;

const pass = (check: string, detail: string): CheckResult => ({ check, ok: true, detail });
const fail = (check: string, detail: string, fix: string): CheckResult => ({ check, ok: false, detail, fix });

/** Each seed on its own: a cluster that works through one seed still has a dead seed in every process's config. */
export async function checkSeeds(url: string, auth: NatsAuth): Promise<CheckResult[]> {
  return Promise.all(
    natsServers(url).map(async (seed) => {
      const name = `NATS seed ${redact(seed)}`;
      try {
        const nc = await connect({ ...authOptions(seed, auth), name: 'transmesh-check', reconnect: false, timeout: 2000, ignoreClusterUpdates: true });
        const info = nc.info;
        await nc.close();
        return pass(name, `answers (${info?.server_name ?? 'nats-server'} ${info?.version ?? ''})`.trim());
      } catch (err) {
        return fail(name, `does not answer: ${(err as Error).message}`, `start nats-server there, or drop it from --nats / TRANSMESH_NATS_URL`);
      }
    }),
  );
}

/** The rest of the checks, over one connection to the cluster. */
export async function checkMesh(nc: NatsConnection, now = Date.now()): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  let jsm;
  try {
    jsm = await nc.jetstreamManager({ timeout: 3000 });
    const info = await jsm.getAccountInfo();
    out.push(pass('JetStream', `enabled (${info.streams} streams)`));
  } catch (err) {
    out.push(fail('JetStream', `not available: ${(err as Error).message}`, 'run nats-server with JetStream (-js, or jetstream {} in its config)'));
    return out;
  }
  // A cluster's size as the server tells clients (its peers' client URLs); 1 for a single server.
  const clusterSize = nc.info?.cluster ? Math.max(1, (nc.info.connect_urls?.length ?? 0) || 1) : 1;
  const want = Math.min(3, clusterSize);
  const required = [Buckets.idl, Buckets.endpoints, Buckets.policy];
  for (const bucket of [...required, Buckets.quota, Buckets.ca]) {
    const name = `bucket ${bucket}`;
    let si;
    try {
      si = await jsm.streams.info(`KV_${bucket}`);
    } catch {
      if ((required as string[]).includes(bucket)) out.push(fail(name, 'missing', 'start a control plane (transmesh control-plane): it creates the buckets'));
      else out.push(pass(name, bucket === Buckets.ca ? 'absent: the mesh has no CA' : 'absent: no quota counted yet'));
      continue;
    }
    const replicas = si.config.num_replicas || 1;
    const down = (si.cluster?.replicas ?? []).filter((r) => r.offline || !r.current).map((r) => r.name);
    if (replicas < want) out.push(fail(name, `${replicas} replica(s) on a cluster of ${clusterSize}`, `recreate it with ${want} replicas (TRANSMESH_KV_REPLICAS=${want}; docs/operations.md)`));
    else if (!si.cluster?.leader && clusterSize > 1) out.push(fail(name, 'no stream leader', 'wait for the election, or bring back the lost NATS nodes'));
    else if (down.length) out.push(fail(name, `replica(s) behind or offline: ${down.join(', ')}`, 'bring those NATS nodes back; they catch up by themselves'));
    else out.push(pass(name, `present, ${replicas} replica(s)${si.cluster?.leader ? `, leader ${si.cluster.leader}` : ''}`));
  }
  let status: MeshStatus | undefined;
  try {
    const cp = await askControlPlane(nc);
    out.push(pass('control plane', `answers (transmesh ${cp.version})`));
  } catch (err) {
    out.push(fail('control plane', `none answers: ${(err as Error).message}`, 'start transmesh control-plane against this NATS'));
  }
  out.push(await checkCa(nc, now));
  out.push(await checkSkew(nc));
  try {
    status = await meshStatus(nc, now);
  } catch (err) {
    out.push(fail('sidecars', `cannot list: ${(err as Error).message}`, 'see the checks above'));
    return out;
  }
  out.push(...sidecarChecks(status, now));
  return out;
}

async function checkCa(nc: NatsConnection, now: number): Promise<CheckResult> {
  const kv = await bindBucket(nc.jetstream(), Buckets.ca);
  const e = kv ? await kv.get(caKey).catch(() => null) : null;
  if (!isLive(e)) return pass('mesh CA', 'none: the peer hop is plaintext and callers are not authenticated (docs/security.md)');
  const ca = decodeJson(caRecord, e.value);
  const notAfter = Date.parse(new X509Certificate(ca.cert).validTo);
  const left = notAfter - now;
  const when = `${new Date(notAfter).toISOString()} (${Math.floor(left / day)} days)`;
  if (left <= 0) return fail('mesh CA', `${ca.trustDomain}: expired ${new Date(notAfter).toISOString()}`, 'create a new CA and rotate to it (docs/security.md)');
  if (left < caWarnMs) return fail('mesh CA', `${ca.trustDomain}: expires ${when}`, 'rotate to a new CA before then (docs/security.md)');
  return pass('mesh CA', `${ca.trustDomain}, expires ${when}`);
}

/**
 * The server stamps each stored heartbeat; the difference to when it arrives here is this host's
 * skew plus one hop's latency. Without a sidecar there is no heartbeat to time.
 */
async function checkSkew(nc: NatsConnection, waitMs = 3000): Promise<CheckResult> {
  const kv = await bindBucket(nc.jetstream(), Buckets.endpoints);
  if (!kv) return pass('clock', 'not measured: no discovery bucket');
  const iter = await kv.watch({ key: '>', include: KvWatchInclude.UpdatesOnly });
  const timer = setTimeout(() => iter.stop(), waitMs);
  let skew: number | undefined;
  try {
    for await (const e of iter) {
      if (e.operation !== 'PUT') continue;
      skew = Date.now() - e.created.getTime();
      break;
    }
  } finally {
    clearTimeout(timer);
    iter.stop();
  }
  if (skew === undefined) return pass('clock', `not measured: no sidecar heartbeat within ${waitMs / 1000} s`);
  if (Math.abs(skew) > maxSkewMs) return fail('clock', `this host is ${skew > 0 ? 'ahead of' : 'behind'} NATS by ${Math.abs(skew)} ms`, 'sync the clocks (chrony or systemd-timesyncd); liveness and certificate times depend on them');
  return pass('clock', `within ${Math.max(1, Math.abs(skew))} ms of NATS`);
}

/**
 * Every service in the registry has a live provider; every live sidecar runs the current IDL and
 * policy revisions; no certificate's renewal is overdue.
 */
export function sidecarChecks(status: MeshStatus, now: number): CheckResult[] {
  const out: CheckResult[] = [];
  const provided = new Set(status.sidecars.flatMap((s) => s.services));
  const orphans = Object.keys(status.currentIdl).filter((svc) => !provided.has(svc));
  for (const svc of orphans) out.push(fail(`service ${svc}`, 'no live provider: calls to it fail UNAVAILABLE', `start its provider's sidecar (transmesh sidecar --provide ${svc}=grpc://… or thrift://…)`));
  if (!orphans.length) out.push(pass('providers', Object.keys(status.currentIdl).length ? `every service in the registry has a live provider (${Object.keys(status.currentIdl).length})` : 'no service in the registry yet'));
  const behind = status.sidecars.filter((s) => s.staleIdl.length || s.stalePolicy.length);
  for (const s of behind) {
    out.push(fail(`sidecar ${s.sidecar}`, `runs ${[...s.staleIdl.map((x) => `IDL ${x}`), ...s.stalePolicy.map((x) => `policy ${x}`)].join('; ')}`, 'read its log for why it did not load them; restart it if it stays behind'));
  }
  if (!behind.length) out.push(pass('sidecars', status.sidecars.length ? `${status.sidecars.length} live, all on the current IDL and policy revisions` : 'none live'));
  let certs = 0;
  for (const s of status.sidecars) {
    if (!s.certNotAfter) continue;
    certs++;
    const notAfter = Date.parse(s.certNotAfter);
    const life = notAfter - Date.parse(s.certNotBefore ?? s.certNotAfter);
    // Renewal runs at half life: a certificate with less than 40% of its life (or a day) left is not being renewed.
    if (notAfter - now < Math.min(day, life * 0.4)) {
      out.push(fail(`certificate ${s.sidecar}`, notAfter <= now ? `expired ${s.certNotAfter}` : `expires ${s.certNotAfter}, renewal is overdue`, 'check that a control plane with --ca answers and the app is not revoked; restart the sidecar with a fresh join token if it stays'));
      certs = -Infinity;
    }
  }
  if (certs > 0) out.push(pass('certificates', `${certs} renewed in time`));
  return out;
}
