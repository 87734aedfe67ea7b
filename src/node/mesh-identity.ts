import { X509Certificate } from 'node:crypto';
import type { NatsConnection } from 'nats';
import { IdentityError } from '../identity/ca';
import { checkToken } from '../identity/join-token';
import { MeshTls, type TlsMaterial } from '../identity/mesh-tls';
import { newWorkloadKey } from '../identity/workload-key';
import { proveRenewal } from '../identity/renewal-proof';
import type { Logger } from '../log/logger';
import { bindBucket, decodeJson, encodeJson, isLive } from '../registry/kv';
import { Buckets, caKey, Subjects } from '../registry/names';
import { caRecord, type CaRecord, type Reply, type SignRequest, type SignResult } from '../registry/records';

/** How long a sidecar waits for a control plane to sign: within the contract's 10 s to exit, after NATS's 3 s connect. */
const signTimeoutMs = 5000;

/**
 * A sidecar joining the mesh: when the mesh has a CA (its record in `transmesh_ca`), it checks
 * its join token locally (so an expired, foreign or wrong-app token fails at once with its
 * reason), makes its own key, and has the control plane sign a certificate for its app. Returns
 * undefined on a mesh without a CA (the peer hop stays plaintext). Throws IdentityError otherwise.
 */
export async function joinMesh(nc: NatsConnection, app: string, token: string | undefined, log: Logger): Promise<{ tls: MeshTls; renew: () => () => void } | undefined> {
  // Waits for a control plane to have created the bucket: a sidecar may start first.
  const kv = await bindBucket(nc.jetstream(), Buckets.ca, log, { wait: true });
  const entry = await kv.get(caKey);
  if (!isLive(entry)) {
    if (token) log.warn('--token given, but this mesh has no CA (no control plane ran with --ca): the peer hop is plaintext and callers are not authenticated');
    return undefined;
  }
  const ca = decodeJson(caRecord, entry.value);
  if (!token) throw new IdentityError(`this mesh has a CA: --token (or TRANSMESH_TOKEN, --token-file) is required for --app ${app} (transmesh token create --app ${app} --ca DIR)`);
  checkToken(token, new X509Certificate(ca.cert), ca.trustDomain, app);
  const tls = new MeshTls(await certify(nc, app, ca, () => ({ token })));
  log.info({ identity: `spiffe://${ca.trustDomain}/app/${app}`, notAfter: new Date(tls.notAfter).toISOString() }, 'mesh certificate issued');
  return { tls, renew: () => renewAtHalfLife(nc, app, token, ca, tls, log) };
}

/** How a signing request proves the app: the join token, or (renewal) the current certificate and its key. */
type Proof = (csrPem: string) => { token: string } | { renew: { cert: string; proof: string } };

async function certify(nc: NatsConnection, app: string, ca: CaRecord, prove: Proof): Promise<TlsMaterial> {
  const key = await newWorkloadKey(app);
  const req: SignRequest = { app, csr: key.csrPem, ...prove(key.csrPem) };
  const msg = await nc.request(Subjects.caSign, encodeJson(req), { timeout: signTimeoutMs }).catch((err: Error) => {
    const none = /503|no responders|timeout/i.test(err.message);
    throw new IdentityError(none ? 'no control plane with --ca answered the certificate request' : `certificate request failed: ${err.message}`);
  });
  const reply = JSON.parse(new TextDecoder().decode(msg.data)) as Reply<SignResult>;
  if (!reply.ok) throw new IdentityError(`the control plane refused the certificate: ${reply.error}`);
  return { keyPem: key.keyPem, certPem: reply.result.cert, caPem: ca.cert, trustDomain: ca.trustDomain };
}

/**
 * Renews at half the certificate's life with a new key, swapping the TLS material whole: new
 * connections use it, open sessions carry on. The request is proved with the current certificate
 * (so the token may have expired by then); only once that has expired is the token used again.
 * A failed renewal is retried every tenth of the time left (at least every second).
 */
function renewAtHalfLife(nc: NatsConnection, app: string, token: string, ca: CaRecord, tls: MeshTls, log: Logger): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(run, Math.max(ms, 1000));
    timer.unref();
  };
  const run = () => {
    const current = tls.material;
    const prove: Proof = tls.notAfter > Date.now() + 1000 ? (csr) => ({ renew: { cert: current.certPem, proof: proveRenewal(current.keyPem, csr) } }) : () => ({ token });
    certify(nc, app, ca, prove).then(
      (material) => {
        tls.update(material);
        log.info({ notAfter: new Date(tls.notAfter).toISOString() }, 'mesh certificate renewed');
        schedule((tls.notAfter - Date.now()) / 2);
      },
      (err: Error) => {
        log.error({ reason: err.message, notAfter: new Date(tls.notAfter).toISOString() }, 'mesh certificate renewal failed; retrying');
        schedule((tls.notAfter - Date.now()) / 10);
      },
    );
  };
  schedule((tls.notAfter - Date.now()) / 2);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
