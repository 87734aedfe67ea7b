import { X509Certificate } from 'node:crypto';
import type { KV, NatsConnection } from 'nats';
import { IdentityError } from '../identity/identity-error';
import { MeshTls, type CertInfo, type TlsMaterial } from '../identity/mesh-tls';
import { newWorkloadKey } from '../identity/workload-key';
import { proveRenewal } from '../identity/renewal-proof';
import { checkTokenTrusted, fingerprintOf, signingCa } from '../identity/trust-bundle';
import type { Revocations } from '../identity/revocation';
import type { Logger } from '../log/logger';
import { bindBucket, decodeJson, encodeJson, isLive } from '../registry/kv';
import { Buckets, caKey, Subjects } from '../registry/names';
import { caRecord, trustedCerts, type Reply, type SignRequest, type SignResult } from '../registry/records';
import { TrustWatcher } from './trust-watcher';

/** How long a sidecar waits for a control plane to sign: within the contract's 10 s to exit, after NATS's 3 s connect. */
const signTimeoutMs = 5000;
/**
 * After the bundle gains a CA, a sidecar waits this long (at random within it) before moving to a
 * certificate from it: every other sidecar must trust the new CA before anyone presents one, and
 * a thousand sidecars should not ask the control planes at the same moment.
 */
export const moveWindowMs = { min: 2000, max: 15_000 };
/**
 * While control planes still sign with the old CA, a sidecar asks again after this, doubling up to
 * 30 s: so it is on the new CA within half a minute of the first control plane restarted with it,
 * at the price of one signing per sidecar every 30 s meanwhile.
 */
const moveRetryMs = { first: 5000, max: 30_000 };

/** What the composition root is told as the identity changes. */
export interface IdentityHooks {
  revocations(r: Revocations): void;
  certChanged(info: CertInfo): void;
}

/**
 * A sidecar joining the mesh: when the mesh has a CA (its record in `transmesh_ca`), it checks
 * its join token locally against the trust bundle (so an expired, foreign or wrong-app token
 * fails at once with its reason), makes its own key, and has the control plane sign a
 * certificate for its app and instance. Returns undefined on a mesh without a CA (the peer hop
 * stays plaintext). Throws IdentityError otherwise (a revoked token: the control plane's refusal).
 */
export async function joinMesh(nc: NatsConnection, app: string, instance: string, token: string | undefined, log: Logger): Promise<MeshIdentity | undefined> {
  // Waits for a control plane to have created the bucket: a sidecar may start first.
  const kv = await bindBucket(nc.jetstream(), Buckets.ca, log, { wait: true });
  const entry = await kv.get(caKey);
  if (!isLive(entry)) {
    if (token) log.warn('--token given, but this mesh has no CA (no control plane ran with --ca): the peer hop is plaintext and callers are not authenticated');
    return undefined;
  }
  const ca = decodeJson(caRecord, entry.value);
  if (!token) throw new IdentityError(`this mesh has a CA: --token (or TRANSMESH_TOKEN, --token-file) is required for --app ${app} (transmesh token create --app ${app} --ca DIR)`);
  const trusted = trustedCerts(ca);
  checkTokenTrusted(token, trusted.map((p) => new X509Certificate(p)), ca.trustDomain, app);
  const tls = new MeshTls(await certify(nc, app, instance, { keyPem: '', certPem: '', caPem: trusted, trustDomain: ca.trustDomain }, () => ({ token })));
  log.info({ identity: `spiffe://${ca.trustDomain}/app/${app}`, instance, notAfter: new Date(tls.notAfter).toISOString() }, 'mesh certificate issued');
  return new MeshIdentity(nc, kv, app, instance, token, tls, log);
}

/** How a signing request proves the app: the join token, or (renewal) the current certificate and its key. */
type Proof = (csrPem: string) => { token: string } | { renew: { cert: string; proof: string } };

async function certify(nc: NatsConnection, app: string, instance: string, trust: TlsMaterial, prove: Proof): Promise<TlsMaterial> {
  const key = await newWorkloadKey(app);
  const req: SignRequest = { app, instance, csr: key.csrPem, ...prove(key.csrPem) };
  const msg = await nc.request(Subjects.caSign, encodeJson(req), { timeout: signTimeoutMs }).catch((err: Error) => {
    const none = /503|no responders|timeout/i.test(err.message);
    throw new IdentityError(none ? 'no control plane with --ca answered the certificate request' : `certificate request failed: ${err.message}`);
  });
  const reply = JSON.parse(new TextDecoder().decode(msg.data)) as Reply<SignResult>;
  if (!reply.ok) throw new IdentityError(`the control plane refused the certificate: ${reply.error}`);
  return { keyPem: key.keyPem, certPem: reply.result.cert, caPem: trust.caPem, trustDomain: trust.trustDomain };
}

/**
 * A joined sidecar's identity while it runs: renewals at half life, the trust bundle and the deny
 * list followed from the CA bucket, and the move to a certificate from a new CA after a rotation.
 */
export class MeshIdentity {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private renewing = false;
  private again = false;
  private moveRetry = moveRetryMs.first;
  private watcher: TrustWatcher | undefined;
  private hooks: IdentityHooks = { revocations: () => undefined, certChanged: () => undefined };

  constructor(
    private readonly nc: NatsConnection,
    private readonly kv: KV,
    private readonly app: string,
    readonly instance: string,
    private readonly token: string,
    readonly tls: MeshTls,
    private readonly log: Logger,
  ) {}

  /** Follows the bundle and the deny list (resolves once both are loaded) and renews from now on. */
  async start(hooks: IdentityHooks): Promise<void> {
    this.hooks = hooks;
    this.watcher = new TrustWatcher(this.kv, { bundle: (certs) => this.trust(certs), revocations: (r) => hooks.revocations(r) }, this.log);
    await this.watcher.start();
    hooks.certChanged(this.tls.certInfo());
    // Joined during a rotation with a certificate from the old CA: it moves like the others.
    this.schedule(this.fromSigningCa() ? this.nextRenewalMs() : this.moveDelay());
  }

  /** NATS came back: watch again with a full resync. */
  restart(): Promise<void> {
    return this.watcher?.restart() ?? Promise.resolve();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.watcher?.stop();
  }

  /** A new trust bundle: trusted from now on; a certificate from a CA other than the newest is replaced soon. */
  private trust(certs: readonly string[]): void {
    const same = certs.length === this.tls.trusted.length && certs.every((c, i) => fingerprintOf(c) === fingerprintOf(this.tls.trusted[i]));
    if (same) return;
    this.tls.trust(certs);
    const info = this.tls.certInfo();
    this.hooks.certChanged(info);
    this.log.info({ cas: certs.length, issuer: info.issuer ?? null }, 'mesh trust bundle changed');
    if (!this.fromSigningCa()) {
      this.moveRetry = moveRetryMs.first;
      this.schedule(this.moveDelay());
    }
  }

  private fromSigningCa(): boolean {
    return this.tls.certInfo().issuer === fingerprintOf(signingCa({ trustDomain: this.tls.trustDomain, certs: this.tls.trusted }));
  }

  private moveDelay(): number {
    return moveWindowMs.min + Math.random() * (moveWindowMs.max - moveWindowMs.min);
  }

  /** The wait before asking again for a certificate from the newest CA: doubling, up to 30 s. */
  private nextMove(): number {
    const ms = this.moveRetry;
    this.moveRetry = Math.min(this.moveRetry * 2, moveRetryMs.max);
    return ms;
  }

  private nextRenewalMs(): number {
    return (this.tls.notAfter - Date.now()) / 2;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.renew(), Math.max(ms, 1000));
    this.timer.unref();
  }

  /**
   * Renews with a new key, swapping the TLS material whole: new connections use it, open ones
   * carry on. Proved with the current certificate (so the token may have expired by then); only
   * once that has expired is the token used again. A failed renewal is retried every tenth of
   * the time left (at least every second).
   */
  private renew(): void {
    if (this.renewing) {
      this.again = true;
      return;
    }
    this.renewing = true;
    const current = this.tls.material;
    const prove: Proof = this.tls.notAfter > Date.now() + 1000 ? (csr) => ({ renew: { cert: current.certPem, proof: proveRenewal(current.keyPem, csr) } }) : () => ({ token: this.token });
    certify(this.nc, this.app, this.instance, current, prove)
      .then(
        (material) => {
          // The bundle may have changed while the request was out: keep the newer trust.
          this.tls.update({ ...material, caPem: this.tls.trusted });
          const info = this.tls.certInfo();
          this.hooks.certChanged(info);
          this.log.info({ notAfter: info.notAfter, issuer: info.issuer ?? null }, 'mesh certificate renewed');
          if (this.fromSigningCa()) {
            this.moveRetry = moveRetryMs.first;
            this.schedule(this.nextRenewalMs());
          } else {
            // A control plane still on the old CA answered: ask again until one with the new CA does.
            this.schedule(Math.min(this.nextMove(), this.nextRenewalMs()));
          }
        },
        (err: Error) => {
          if (/was revoked/.test(err.message)) {
            // Not a failure to retry: this sidecar is shut out until it is restarted with a valid token.
            this.log.error({ reason: err.message }, 'this sidecar\'s mesh certificate was revoked: it is not renewed; restart the sidecar with a valid token');
            return;
          }
          this.log.error({ reason: err.message, notAfter: new Date(this.tls.notAfter).toISOString() }, 'mesh certificate renewal failed; retrying');
          // Moving to a new CA (control planes being restarted) is retried on its own, shorter clock.
          const tenth = (this.tls.notAfter - Date.now()) / 10;
          this.schedule(this.fromSigningCa() ? tenth : Math.min(tenth, this.nextMove()));
        },
      )
      .finally(() => {
        this.renewing = false;
        if (this.again) {
          this.again = false;
          if (!this.fromSigningCa()) this.renew();
        }
      });
  }
}
