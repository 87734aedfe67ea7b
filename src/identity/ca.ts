import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { defaultTrustDomain, spiffeId } from './spiffe';
import { certSubject } from './revocation';
import { IdentityError } from './identity-error';
import { CryptoKey, ecdsa, generateKeys, importPrivateKeyPem, privateKeyPem, randomSerial, signingAlgorithm, x509 } from './pem';

// In its own file so that a sidecar's identity code can throw it without loading @peculiar/x509.
export { IdentityError };

/** The mesh CA as a control plane holds it: the certificate (PEM) and the key to sign with. */
export interface MeshCa {
  readonly certPem: string;
  readonly cert: X509Certificate;
  readonly key: CryptoKey;
  /** The same key as node:crypto wants it, for signing tokens. */
  readonly keyPem: string;
  readonly trustDomain: string;
}

const caValidityDays = 3650;

/**
 * `transmesh ca init`: a self-signed EC P-256 CA whose subject names the trust domain. Files are
 * written readable only by their owner; an existing CA is never overwritten.
 */
export async function initCa(dir: string, trustDomain = defaultTrustDomain): Promise<{ certPath: string; keyPath: string }> {
  const certPath = join(dir, 'ca.crt');
  const keyPath = join(dir, 'ca.key');
  if (existsSync(certPath) || existsSync(keyPath)) throw new IdentityError(`${dir} already holds a CA (ca.crt or ca.key); refusing to overwrite it`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keys = await generateKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=transmesh CA, O=${trustDomain}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + caValidityDays * 86_400_000),
    keys,
    signingAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      // The trust domain travels with the CA certificate, so every replica sharing the dir agrees on it.
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `spiffe://${trustDomain}` }]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  writeFileSync(keyPath, await privateKeyPem(keys.privateKey), { mode: 0o600 });
  writeFileSync(certPath, cert.toString('pem') + '\n', { mode: 0o600 });
  chmodSync(keyPath, 0o600);
  chmodSync(certPath, 0o600);
  return { certPath, keyPath };
}

/** Reads a CA directory written by `ca init`; the trust domain comes from the CA's URI SAN. */
export async function loadCa(dir: string): Promise<MeshCa> {
  let certPem: string;
  let keyPem: string;
  try {
    certPem = readFileSync(join(dir, 'ca.crt'), 'utf8');
    keyPem = readFileSync(join(dir, 'ca.key'), 'utf8');
  } catch (err) {
    throw new IdentityError(`cannot read the CA in ${dir}: ${(err as Error).message} (create one with transmesh ca init --out ${dir})`);
  }
  const cert = new X509Certificate(certPem);
  if (!cert.ca) throw new IdentityError(`${dir}/ca.crt is not a CA certificate`);
  const key = await importPrivateKeyPem(keyPem);
  return { certPem, cert, key, keyPem, trustDomain: trustDomainOf(cert) };
}

export function trustDomainOf(caCert: X509Certificate): string {
  const m = /URI:spiffe:\/\/([^\s,/]+)/.exec(caCert.subjectAltName ?? '');
  if (!m) throw new IdentityError('the CA certificate names no trust domain (spiffe://<trust-domain> URI SAN)');
  return m[1];
}

/** Which sidecar a certificate is for, and its app's generation in the deny list (revocation.ts). */
export interface CertFor {
  readonly instance?: string;
  readonly generation?: number;
}

/**
 * Signs a sidecar's certificate request for `app`: the subject and SAN come from the proven app,
 * never from the request, which only contributes its public key (after its signature checks).
 */
export async function signCsr(ca: MeshCa, csrPem: string, app: string, ttlMs: number, to: CertFor = {}): Promise<string> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch {
    throw new IdentityError('the certificate signing request is not a PKCS#10 request');
  }
  if (!(await csr.verify())) throw new IdentityError('the certificate signing request has a bad signature');
  const now = Date.now();
  const caCert = new x509.X509Certificate(ca.certPem);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: certSubject(app, ca.trustDomain, to.instance, to.generation ?? 0),
    issuer: caCert.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + ttlMs),
    signingKey: ca.key,
    publicKey: await csr.publicKey.export(ecdsa, ['verify']),
    signingAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: spiffeId(ca.trustDomain, app) }], true),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return cert.toString('pem') + '\n';
}
