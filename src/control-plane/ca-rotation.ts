import type { KV } from 'nats';
import { IdentityError, type MeshCa } from '../identity/ca';
import { fingerprintOf, retireFromBundle, rotateBundle, type TrustBundle } from '../identity/trust-bundle';
import { updateRecord } from '../registry/kv';
import { caKey } from '../registry/names';
import { caRecord, trustedCerts, type CaRecord } from '../registry/records';
import { liveSidecars, sidecarName } from '../discovery/live-sidecars';

/** Refused because live sidecars still present a certificate from the CA to retire; names them. */
export class RetireRefused extends IdentityError {
  constructor(readonly sidecars: string[]) {
    super(`${sidecars.length} live sidecar${sidecars.length === 1 ? '' : 's'} still present${sidecars.length === 1 ? 's' : ''} a certificate from this CA: ${sidecars.join(', ')} (they move to the new CA within a minute of the rotation, once a control plane signs with it)`);
    this.name = 'RetireRefused';
  }
}

function toRecord(bundle: TrustBundle): CaRecord {
  return { cert: bundle.certs[bundle.certs.length - 1], trustDomain: bundle.trustDomain, bundle: [...bundle.certs] };
}

function fromRecord(rec: CaRecord | undefined): TrustBundle | undefined {
  return rec && { trustDomain: rec.trustDomain, certs: trustedCerts(rec) };
}

/** `ca rotate`: publishes the bundle of the CAs trusted so far and `newCa`, which control planes restarted with it sign with. */
export async function publishRotation(caKv: KV, oldCa: MeshCa, newCa: MeshCa): Promise<TrustBundle> {
  let out!: TrustBundle;
  await updateRecord(caKv, caKey, caRecord, (prev) => {
    out = rotateBundle(fromRecord(prev), oldCa.certPem, newCa.certPem, oldCa.trustDomain);
    return toRecord(out);
  });
  return out;
}

/** The live sidecars (`<app>/<instance>`) whose announced certificate was issued by the CA with this fingerprint. */
export async function sidecarsOnCa(epKv: KV, fingerprint: string, now = Date.now()): Promise<string[]> {
  return (await liveSidecars(epKv, now)).filter((l) => l.record.cert?.issuer === fingerprint).map((l) => sidecarName(l.record));
}

/** `ca retire`: drops `caPem` from the bundle, refusing (RetireRefused) while a live sidecar presents a certificate from it. */
export async function retireCa(caKv: KV, epKv: KV, caPem: string): Promise<TrustBundle> {
  const blockers = await sidecarsOnCa(epKv, fingerprintOf(caPem));
  if (blockers.length) throw new RetireRefused(blockers);
  let out!: TrustBundle;
  await updateRecord(caKv, caKey, caRecord, (prev) => {
    const bundle = fromRecord(prev);
    if (!bundle) throw new IdentityError('this mesh has no CA record in NATS (no control plane ran with --ca)');
    out = retireFromBundle(bundle, caPem);
    return toRecord(out);
  });
  return out;
}
