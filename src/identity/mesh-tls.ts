import { createSecureContext, type PeerCertificate, type SecureContext } from 'node:tls';
import type { SecureClientSessionOptions, SecureServerOptions } from 'node:http2';
import { X509Certificate } from 'node:crypto';
import { appOfSubjectAltName, spiffeId } from './spiffe';

/** What a sidecar holds to speak mTLS: its key and certificate, and the mesh CA to verify peers with. */
export interface TlsMaterial {
  readonly keyPem: string;
  readonly certPem: string;
  readonly caPem: string;
  readonly trustDomain: string;
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

  private contextOptions() {
    return { key: this.current.keyPem, cert: this.current.certPem, ca: this.current.caPem, minVersion: 'TLSv1.3' as const };
  }
}
