import { createSecureContext, type PeerCertificate, type SecureContext } from 'node:tls';
import type { SecureClientSessionOptions, SecureServerOptions } from 'node:http2';
import { X509Certificate } from 'node:crypto';
import { appOfSubjectAltName, spiffeId } from './spiffe';
import { certIdentityOf, type CertIdentity } from './revocation';
import { issuerOf } from './trust-bundle';

/** What a sidecar holds to speak mTLS: its key and certificate, and the mesh CA (or the CAs of the trust bundle) to verify peers with. */
export interface TlsMaterial {
  readonly keyPem: string;
  readonly certPem: string;
  readonly caPem: string | readonly string[];
  readonly trustDomain: string;
}

/** What a sidecar announces about the certificate it presents, so `ca retire` knows who still uses an old CA. */
export interface CertInfo {
  /** SHA-256 fingerprint of the CA that issued it (of those trusted), or undefined when none of them did. */
  readonly issuer: string | undefined;
  readonly fingerprint: string;
  readonly notBefore: string;
  readonly notAfter: string;
}

/**
 * The sidecar's TLS identity on the peer hop, swapped whole on renewal: new connections use the
 * new certificate, sessions already open keep going (their handshake is done). TLS 1.3 only,
 * certificates on both sides, peers verified against the mesh CA alone (not the system store).
 */
export class MeshTls {
  private current: TlsMaterial;
  private context: SecureContext;
  private readonly listeners: Array<() => void> = [];

  constructor(material: TlsMaterial) {
    this.current = material;
    this.context = createSecureContext(this.contextOptions());
  }

  /** The key and certificate in force (a renewal proves it holds them). */
  get material(): TlsMaterial {
    return this.current;
  }

  get trustDomain(): string {
    return this.current.trustDomain;
  }

  /** Expiry of the certificate in force (ms since the epoch). */
  get notAfter(): number {
    return Date.parse(new X509Certificate(this.current.certPem).validTo);
  }

  update(material: TlsMaterial): void {
    this.current = material;
    this.context = createSecureContext(this.contextOptions());
    for (const l of this.listeners) l();
  }

  /** A new trust bundle: peers are verified against these CAs from the next connection on. */
  trust(caPems: readonly string[]): void {
    this.update({ ...this.current, caPem: caPems });
  }

  get trusted(): readonly string[] {
    const ca = this.current.caPem;
    return typeof ca === 'string' ? [ca] : ca;
  }

  /** The certificate in force, and which trusted CA issued it. */
  certInfo(): CertInfo {
    const cert = new X509Certificate(this.current.certPem);
    const issuer = issuerOf(cert, this.trusted.map((p) => new X509Certificate(p)));
    return { issuer: issuer?.fingerprint256, fingerprint: cert.fingerprint256, notBefore: new Date(Date.parse(cert.validFrom)).toISOString(), notAfter: new Date(Date.parse(cert.validTo)).toISOString() };
  }

  onUpdate(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** For http2.createSecureServer and server.setSecureContext: only clients with a mesh certificate get in. */
  serverOptions(): SecureServerOptions {
    return { ...this.contextOptions(), requestCert: true, rejectUnauthorized: true, allowHTTP1: false };
  }

  /**
   * For http2.connect to a provider sidecar: the provider must present a mesh certificate whose
   * SPIFFE id is the app discovery says is there (`expectedApp`); host names play no part.
   */
  clientOptions(expectedApp: string | undefined): SecureClientSessionOptions {
    const trustDomain = this.current.trustDomain;
    return {
      secureContext: this.context,
      minVersion: 'TLSv1.3',
      // Peers are dialled by address; identity is the SPIFFE id, so no SNI name is sent.
      servername: '',
      rejectUnauthorized: true,
      checkServerIdentity: (_host: string, cert: PeerCertificate) => {
        const app = appOfSubjectAltName(cert.subjectaltname, trustDomain);
        if (!app) return new Error(`the provider's certificate carries no ${spiffeId(trustDomain, '<app>')} identity`);
        if (expectedApp !== undefined && app !== expectedApp) return new Error(`the provider presented ${spiffeId(trustDomain, app)}, but discovery says ${expectedApp} is there`);
        return undefined;
      },
    };
  }

  /** The app a verified peer certificate proves, or undefined. */
  appOf(cert: PeerCertificate | undefined): string | undefined {
    return appOfSubjectAltName(cert?.subjectaltname, this.current.trustDomain);
  }

  /** The app, instance and generation a verified peer certificate proves (what revocation is checked against), or undefined. */
  identityOf(cert: PeerCertificate | undefined): CertIdentity | undefined {
    const app = this.appOf(cert);
    return app === undefined ? undefined : certIdentityOf(app, cert?.subject as unknown as Record<string, string | string[]>);
  }

  private contextOptions() {
    return { key: this.current.keyPem, cert: this.current.certPem, ca: [...this.trusted], minVersion: 'TLSv1.3' as const };
  }
}
