import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { initCa, loadCa, MeshCa, signCsr } from '../../src/identity/ca';
import { checkToken, createToken } from '../../src/identity/join-token';
import { newWorkloadKey } from '../../src/identity/workload-key';
import { appOfSubjectAltName } from '../../src/identity/spiffe';
import { checkRenewal, proveRenewal } from '../../src/identity/renewal-proof';

jest.setTimeout(20000);

const newCa = async (td?: string): Promise<MeshCa> => {
  const dir = join(mkdtempSync(join(tmpdir(), 'transmesh-unit-ca-')), 'ca');
  await initCa(dir, td);
  return loadCa(dir);
};

describe('join tokens', () => {
  let ca: MeshCa;
  let otherCa: MeshCa;
  const now = Date.UTC(2026, 0, 1);
  beforeAll(async () => {
    ca = await newCa('example.org');
    otherCa = await newCa('example.org');
  });

  const token = (app = 'web', ttlMs = 60_000, key = ca.keyPem, td = 'example.org') => createToken(key, { app, trustDomain: td, ttlMs }, now);

  test('a token signed by the CA proves its app until it expires', () => {
    expect(checkToken(token(), ca.cert, 'example.org', 'web', now + 59_000)).toMatchObject({ app: 'web', td: 'example.org', exp: (now + 60_000) / 1000 });
  });

  test('expired', () => {
    expect(() => checkToken(token(), ca.cert, 'example.org', 'web', now + 60_000)).toThrow(/join token for web expired at 2026-01-01T00:01:00.000Z/);
  });

  test('tampered payload, tampered signature, or signed by another CA: bad signature', () => {
    const [h, p, s] = token().split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, app: 'admin' })).toString('base64url')}.${s}`;
    expect(() => checkToken(forged, ca.cert, 'example.org', 'admin', now)).toThrow(/bad signature/);
    const flipped = `${h}.${p}.${s.slice(0, -2)}${s.endsWith('AA') ? 'BA' : 'AA'}`;
    expect(() => checkToken(flipped, ca.cert, 'example.org', 'web', now)).toThrow(/bad signature/);
    expect(() => checkToken(token('web', 60_000, otherCa.keyPem), ca.cert, 'example.org', 'web', now)).toThrow(/bad signature/);
  });

  test('wrong app, wrong trust domain, malformed', () => {
    expect(() => checkToken(token('web'), ca.cert, 'example.org', 'admin', now)).toThrow('the join token is for app web, not admin');
    expect(() => checkToken(token('web', 60_000, ca.keyPem, 'other.org'), ca.cert, 'example.org', 'web', now)).toThrow(/trust domain other.org, not example.org/);
    expect(() => checkToken('abc', ca.cert, 'example.org', 'web', now)).toThrow(/malformed/);
    expect(() => checkToken('a.b.c', ca.cert, 'example.org', 'web', now)).toThrow(/malformed/);
  });

  test('the CA signs a CSR for the proven app only, with the SPIFFE id as URI SAN', async () => {
    const key = await newWorkloadKey('whatever-the-csr-says');
    const cert = new X509Certificate(await signCsr(ca, key.csrPem, 'web', 3_600_000));
    expect(cert.subjectAltName).toBe('URI:spiffe://example.org/app/web');
    expect(appOfSubjectAltName(cert.subjectAltName, 'example.org')).toBe('web');
    expect(appOfSubjectAltName(cert.subjectAltName, 'other.org')).toBeUndefined();
    expect(cert.checkIssued(ca.cert)).toBe(true);
    expect(cert.verify(ca.cert.publicKey)).toBe(true);
    expect(cert.verify(otherCa.cert.publicKey)).toBe(false);
    await expect(signCsr(ca, tamper(key.csrPem), 'web', 1000)).rejects.toThrow(/request/);
  });

  test('renewal: proved by the current certificate\'s key, for its own app, while it is valid', async () => {
    const old = await newWorkloadKey('web');
    const oldCert = await signCsr(ca, old.csrPem, 'web', 3_600_000);
    const next = await newWorkloadKey('web');
    const proof = proveRenewal(old.keyPem, next.csrPem);
    expect(() => checkRenewal(oldCert, proof, next.csrPem, ca.cert, 'example.org', 'web')).not.toThrow();
    expect(() => checkRenewal(oldCert, proof, next.csrPem, ca.cert, 'example.org', 'admin')).toThrow('the certificate to renew is for web, not admin');
    expect(() => checkRenewal(oldCert, proveRenewal(next.keyPem, next.csrPem), next.csrPem, ca.cert, 'example.org', 'web')).toThrow(/proof was not made with the key/);
    expect(() => checkRenewal(oldCert, proof, next.csrPem, ca.cert, 'example.org', 'web', Date.now() + 3_700_000)).toThrow(/not valid now/);
    const foreign = await signCsr(otherCa, old.csrPem, 'web', 3_600_000);
    expect(() => checkRenewal(foreign, proof, next.csrPem, ca.cert, 'example.org', 'web')).toThrow(/not issued by this mesh CA/);
  });
});

/** The same PEM with one bit of its signature flipped (the last bytes of the DER are the signature's). */
function tamper(pem: string): string {
  const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  const der = Buffer.from(body, 'base64');
  der[der.length - 2] ^= 1;
  const lines = der.toString('base64').match(/.{1,64}/g)!.join('\n');
  return `-----BEGIN CERTIFICATE REQUEST-----\n${lines}\n-----END CERTIFICATE REQUEST-----\n`;
}
