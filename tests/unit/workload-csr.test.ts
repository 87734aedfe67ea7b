import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initCa, loadCa, signCsr } from '../../src/identity/ca';
import { certificationRequestPem } from '../../src/identity/csr';
import { x509 } from '../../src/identity/pem';
import { newWorkloadKey } from '../../src/identity/workload-key';

/**
 * The sidecar encodes its PKCS#10 request itself (src/identity/csr.ts) so that it need not load
 * @peculiar/x509; the control plane parses and checks it with @peculiar/x509, and so does OpenSSL.
 */
describe("a sidecar's certificate signing request", () => {
  test('@peculiar/x509 reads it: a good signature, CN=<app>, the key pair\'s public key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const csr = new x509.Pkcs10CertificateRequest(certificationRequestPem('orders', privateKey, publicKey));
    expect(await csr.verify()).toBe(true);
    expect(csr.subject).toBe('CN=orders');
    expect(Buffer.from(csr.publicKey.rawData).equals(publicKey.export({ type: 'spki', format: 'der' }))).toBe(true);
  });

  test('a request whose bytes were changed after signing does not verify', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const pem = certificationRequestPem('orders', privateKey, publicKey);
    const b64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    const bytes = Buffer.from(b64, 'base64');
    // The name's last byte ("s" of orders) becomes "t": still well-formed, no longer what was signed.
    const at = bytes.indexOf(Buffer.from('orders'));
    bytes[at + 5] = 't'.charCodeAt(0);
    const csr = new x509.Pkcs10CertificateRequest(bytes);
    expect(csr.subject).toBe('CN=ordert');
    expect(await csr.verify()).toBe(false);
  });

  test('long names take the long DER length form', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const name = 'a'.repeat(300);
    const csr = new x509.Pkcs10CertificateRequest(certificationRequestPem(name, privateKey, publicKey));
    expect(csr.subject).toBe(`CN=${name}`);
    expect(await csr.verify()).toBe(true);
  });

  test('the control plane signs it for the proven app, and the certificate holds the workload key', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'transmesh-csr-')), 'ca');
    await initCa(dir);
    const ca = await loadCa(dir);
    const key = await newWorkloadKey('web');
    const cert = new X509Certificate(await signCsr(ca, key.csrPem, 'web', 60_000));
    expect(cert.subjectAltName).toContain('/app/web');
    expect(cert.publicKey.export({ type: 'spki', format: 'der' }).equals(createPublicKey(key.keyPem).export({ type: 'spki', format: 'der' }))).toBe(true);
  });

  test('OpenSSL verifies it too, when installed', () => {
    let openssl = true;
    try {
      execFileSync('openssl', ['version']);
    } catch {
      openssl = false;
    }
    if (!openssl) return;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const file = join(mkdtempSync(join(tmpdir(), 'transmesh-csr-')), 'req.pem');
    writeFileSync(file, certificationRequestPem('billing', privateKey, publicKey));
    const out = execFileSync('openssl', ['req', '-in', file, '-verify', '-noout', '-subject'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toMatch(/subject=CN ?= ?billing/);
  });
});
