import { checkToken } from '../identity/join-token';
import { checkRenewal } from '../identity/renewal-proof';
import { loadCa, type MeshCa } from '../identity/ca';
import { signCsr } from '../identity/ca';
import type { Logger } from '../log/logger';
import type { SignRequest, SignResult } from '../registry/records';

/** 24 h, as Linkerd and Istio issue them; TRANSMESH_CERT_TTL shortens it for tests. */
export const defaultCertTtlMs = 24 * 3_600_000;

/**
 * The control plane as the mesh CA: checks a sidecar's join token (signature, trust domain,
 * expiry, app) and signs its request for that app's SPIFFE id. Stateless: every replica loads
 * the same CA directory, and tokens need no store since the CA signed them.
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

  async sign(req: SignRequest): Promise<SignResult> {
    try {
      if ('token' in req) checkToken(req.token, this.ca.cert, this.ca.trustDomain, req.app);
      else checkRenewal(req.renew.cert, req.renew.proof, req.csr, this.ca.cert, this.ca.trustDomain, req.app);
      const cert = await signCsr(this.ca, req.csr, req.app, this.ttlMs);
      this.log.info({ app: req.app, ttlMs: this.ttlMs, by: 'token' in req ? 'token' : 'renewal' }, 'certificate issued');
      return { cert, ca: this.ca.certPem };
    } catch (err) {
      this.log.warn({ app: req.app, reason: (err as Error).message }, 'certificate refused');
      throw err;
    }
  }
}
