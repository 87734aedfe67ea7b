import { X509Certificate } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initCa, loadCa, signCsr, type MeshCa } from '../../src/identity/ca';
import { createToken } from '../../src/identity/join-token';
import { MeshTls } from '../../src/identity/mesh-tls';
import { proveRenewal } from '../../src/identity/renewal-proof';
import { checkRenewalTrusted, checkTokenTrusted, holds, issuerOf, retireFromBundle, rotateBundle, signingCa } from '../../src/identity/trust-bundle';
import { newWorkloadKey } from '../../src/identity/workload-key';

describe('the trust bundle', () => {
  let oldCa: MeshCa;
  let newCa: MeshCa;
  let foreign: MeshCa;
  const td = 'mesh.test';

  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), 'transmesh-bundle-'));
    for (const d of ['old', 'new', 'foreign']) await initCa(join(root, d), d === 'foreign' ? 'other.test' : td);
    [oldCa, newCa, foreign] = await Promise.all(['old', 'new', 'foreign'].map((d) => loadCa(join(root, d))));
  });

  test('rotate adds the new CA last (the one to sign with); a first rotation starts from the old CA alone', () => {
    const b = rotateBundle(undefined, oldCa.certPem, newCa.certPem, td);
    expect(b.certs).toEqual([oldCa.certPem, newCa.certPem]);
    expect(signingCa(b)).toBe(newCa.certPem);
    expect(holds(b, oldCa.certPem) && holds(b, newCa.certPem)).toBe(true);
  });

  test('rotate refuses a CA the mesh does not trust, the same CA twice, and another trust domain', () => {
    const b = { trustDomain: td, certs: [oldCa.certPem] };
    expect(() => rotateBundle(b, newCa.certPem, oldCa.certPem, td)).toThrow(/not in the mesh's trust bundle/);
    expect(() => rotateBundle(rotateBundle(b, oldCa.certPem, newCa.certPem, td), oldCa.certPem, newCa.certPem, td)).toThrow(/already in the trust bundle/);
    expect(() => rotateBundle(b, oldCa.certPem, foreign.certPem, 'other.test')).toThrow(/trust domain/);
  });

  test('retire drops the old CA; never the one control planes sign with, nor one not in the bundle', () => {
    const b = rotateBundle(undefined, oldCa.certPem, newCa.certPem, td);
    expect(retireFromBundle(b, oldCa.certPem).certs).toEqual([newCa.certPem]);
    expect(() => retireFromBundle(b, newCa.certPem)).toThrow(/sign with/);
    expect(() => retireFromBundle(retireFromBundle(b, oldCa.certPem), oldCa.certPem)).toThrow(/not in the mesh's trust bundle/);
  });

  test('tokens of either CA of the bundle pass; after retiring, the old CA\'s fail as foreign', () => {
    const both = [oldCa.cert, newCa.cert];
    const oldToken = createToken(oldCa.keyPem, { app: 'web', trustDomain: td, ttlMs: 60_000 });
    const newToken = createToken(newCa.keyPem, { app: 'web', trustDomain: td, ttlMs: 60_000 });
    expect(checkTokenTrusted(oldToken, both, td, 'web').app).toBe('web');
    expect(checkTokenTrusted(newToken, both, td, 'web').app).toBe('web');
    expect(() => checkTokenTrusted(oldToken, [newCa.cert], td, 'web')).toThrow(/bad signature/);
    // A reason about the token itself wins over "not signed by that other CA".
    expect(() => checkTokenTrusted(oldToken, both, td, 'admin')).toThrow(/for app web, not admin/);
  });

  test('renewals of certificates from either CA pass; issuerOf names the CA that signed', async () => {
    const key = await newWorkloadKey('web');
    const cert = await signCsr(oldCa, key.csrPem, 'web', 60_000);
    const next = await newWorkloadKey('web');
    const proof = proveRenewal(key.keyPem, next.csrPem);
    const both = [oldCa.cert, newCa.cert];
    expect(checkRenewalTrusted(cert, proof, next.csrPem, both, td, 'web').subject).toContain('CN=web');
    expect(() => checkRenewalTrusted(cert, proof, next.csrPem, [newCa.cert], td, 'web')).toThrow(/not issued by this mesh CA/);
    expect(issuerOf(new X509Certificate(cert), both)?.fingerprint256).toBe(oldCa.cert.fingerprint256);
    expect(issuerOf(new X509Certificate(cert), [newCa.cert])).toBeUndefined();
  });

  test('MeshTls follows the bundle: what it trusts, and which trusted CA issued its certificate', async () => {
    const key = await newWorkloadKey('web');
    const tls = new MeshTls({ keyPem: key.keyPem, certPem: await signCsr(oldCa, key.csrPem, 'web', 60_000), caPem: oldCa.certPem, trustDomain: td });
    let updates = 0;
    tls.onUpdate(() => updates++);
    expect(tls.certInfo().issuer).toBe(oldCa.cert.fingerprint256);
    tls.trust([oldCa.certPem, newCa.certPem]);
    expect(tls.trusted).toHaveLength(2);
    expect(updates).toBe(1);
    tls.trust([newCa.certPem]);
    expect(tls.certInfo().issuer).toBeUndefined();
  });
});
