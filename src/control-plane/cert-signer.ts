import { X509Certificate } from 'node:crypto';
import { IdentityError, loadCa, signCsr, type MeshCa } from '../identity/ca';
import { certIdentityOf, certRevoked, subjectFields, tokenId, type Revocations } from '../identity/revocation';
import { checkRenewalTrusted, checkTokenTrusted, holds } from '../identity/trust-bundle';
import type { Logger } from '../log/logger';
import type { SignRequest, SignResult } from '../registry/records';
import type { TrustStore } from './trust-store';

/** 24 h, as Linkerd and Istio issue them; TRANSMESH_CERT_TTL shortens it for tests. */
export const defaultCertTtlMs = 24 * 3_600_000;

/**
 * The control plane as the mesh CA: checks a sidecar's join token (signature by a CA of the
 * trust bundle, trust domain, expiry, app, not revoked) or its renewal (a certificate from a
 * trusted CA, not revoked), and signs its request for that app's SPIFFE id with this replica's
 * CA. Stateless: every replica loads a CA directory, and the bundle and deny list are in NATS.
 */
export class CertSigner {
  private constructor(
    readonly ca: MeshCa,
    private readonly ttlMs: number,
    private readonly log: Logger,
  ) {}

  static async load(dir: string, ttlMs: number, log: Logger): Promise<CertSigner> {
    return new CertSigner(await loadCa(dir), ttlMs, log);
  }

  async sign(req: SignRequest, trust: TrustStore): Promise<SignResult> {
    try {
      const bundle = await trust.bundle();
      if (!bundle || !holds(bundle, this.ca.certPem)) throw new IdentityError("this control plane's CA is no longer in the mesh's trust bundle (retired); it must be restarted with the current --ca");
      const cas = bundle.certs.map((p) => new X509Certificate(p));
      let instance = req.instance;
      if ('token' in req) {
        const id = tokenId(req.token);
        if (await trust.tokenRevoked(id)) throw new IdentityError(`the join token ${id} was revoked (transmesh token revoke)`);
        checkTokenTrusted(req.token, cas, bundle.trustDomain, req.app);
      } else {
        const old = checkRenewalTrusted(req.renew.cert, req.renew.proof, req.csr, cas, bundle.trustDomain, req.app);
        // The renewed certificate is for the same sidecar; a revoked one is not renewed.
        const id = certIdentityOf(req.app, subjectFields(old.subject));
        instance = id.instance;
        const revoked = certRevoked(await this.revocationsFor(trust, req.app, instance), id);
        if (revoked) throw new IdentityError(revoked);
      }
      if (instance !== undefined && (await trust.instanceRevoked(instance))) throw new IdentityError(`the sidecar ${req.app}/${instance} was revoked (transmesh cert revoke --instance)`);
      const generation = await trust.appGeneration(req.app);
      const cert = await signCsr(this.ca, req.csr, req.app, this.ttlMs, { instance, generation });
      this.log.info({ app: req.app, instance, generation, ttlMs: this.ttlMs, by: 'token' in req ? 'token' : 'renewal' }, 'certificate issued');
      return { cert, ca: this.ca.certPem };
    } catch (err) {
      this.log.warn({ app: req.app, instance: req.instance, reason: (err as Error).message }, 'certificate refused');
      throw err;
    }
  }

  /** Just the entries of the deny list that can concern this sidecar, read fresh. */
  private async revocationsFor(trust: TrustStore, app: string, instance: string | undefined): Promise<Revocations> {
    const [generation, instanceRevoked] = await Promise.all([trust.appGeneration(app), instance === undefined ? false : trust.instanceRevoked(instance)]);
    return { tokens: new Set(), apps: new Map(generation ? [[app, generation]] : []), instances: new Set(instanceRevoked && instance !== undefined ? [instance] : []) };
  }
}
