import { X509Certificate } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initCa, loadCa, type MeshCa } from '../../src/identity/ca';
import { createToken } from '../../src/identity/join-token';
import { proveRenewal } from '../../src/identity/renewal-proof';
import { certIdentityOf, subjectFields, tokenId } from '../../src/identity/revocation';
import { newWorkloadKey } from '../../src/identity/workload-key';
import { CertSigner } from '../../src/control-plane/cert-signer';
import { TrustStore } from '../../src/control-plane/trust-store';
import { encodeJson } from '../../src/registry/kv';
import { caKey } from '../../src/registry/names';
import { instanceOf } from '../../src/cli/cert-command';
import { createLogger } from '../../src/log/logger';
import { MemoryKv } from '../helpers/memory-kv';

/** The control plane's signing rules over the trust bundle and deny list, with the bucket in memory. */
describe('the certificate signer', () => {
  const td = 'transmesh.local';
  let dirs: { old: string; next: string };
  let oldCa: MeshCa;
  let nextCa: MeshCa;
  let kv: MemoryKv;
  let trust: TrustStore;
  let signer: CertSigner;
  const log = createLogger('test');

  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), 'transmesh-signer-'));
    dirs = { old: join(root, 'old'), next: join(root, 'next') };
    await initCa(dirs.old);
    await initCa(dirs.next);
    [oldCa, nextCa] = await Promise.all([loadCa(dirs.old), loadCa(dirs.next)]);
  });

  beforeEach(async () => {
    kv = new MemoryKv();
    trust = new TrustStore(kv);
    signer = await CertSigner.load(dirs.old, 60_000, log);
    await trust.adopt(signer.ca, dirs.old);
  });

  const join_ = async (app: string, token: string, instance = `${app}.host-1-aa`) => {
    const key = await newWorkloadKey(app);
    const res = await signer.sign({ app, instance, csr: key.csrPem, token }, trust);
    return { key, cert: res.cert, id: certIdentityOf(app, subjectFields(new X509Certificate(res.cert).subject)) };
  };
  const renew = async (app: string, held: { key: { keyPem: string }; cert: string }) => {
    const next = await newWorkloadKey(app);
    return signer.sign({ app, instance: 'ignored.x', csr: next.csrPem, renew: { cert: held.cert, proof: proveRenewal(held.key.keyPem, next.csrPem) } }, trust);
  };
  const token = (app: string, ca = oldCa) => createToken(ca.keyPem, { app, trustDomain: td, ttlMs: 60_000 });

  test('a joined certificate names its instance and generation 0; a renewal keeps the instance of the certificate, not the request', async () => {
    const held = await join_('web', token('web'));
    expect(held.id).toEqual({ app: 'web', instance: 'web.host-1-aa', generation: 0 });
    const renewed = await renew('web', held);
    expect(certIdentityOf('web', subjectFields(new X509Certificate(renewed.cert).subject)).instance).toBe('web.host-1-aa');
  });

  test('a revoked token signs nothing more; other tokens of the app still do', async () => {
    const t = token('web');
    await trust.revoke({ tokenId: tokenId(t) });
    await expect(join_('web', t)).rejects.toThrow(`the join token ${tokenId(t)} was revoked`);
    await expect(join_('web', token('web'))).resolves.toBeDefined();
  });

  test('revoking an app refuses renewals of its certificates; a new join gets the next generation', async () => {
    const held = await join_('web', token('web'));
    expect(await trust.revoke({ app: 'web' })).toMatchObject({ kind: 'app', app: 'web', generation: 1 });
    await expect(renew('web', held)).rejects.toThrow(/certificate of web was revoked/);
    const again = await join_('web', token('web'), 'web.host-2-bb');
    expect(again.id.generation).toBe(1);
    await expect(renew('web', again)).resolves.toBeDefined();
    expect(await trust.revoke({ app: 'web' })).toMatchObject({ generation: 2 });
  });

  test('revoking an instance refuses that sidecar only; an instance of another app is refused as a request', async () => {
    const a = await join_('web', token('web'), 'web.host-1-aa');
    const b = await join_('web', token('web'), 'web.host-2-bb');
    await trust.revoke({ app: 'web', instance: 'web.host-1-aa' });
    await expect(renew('web', a)).rejects.toThrow(/web\/web.host-1-aa was revoked/);
    await expect(renew('web', b)).resolves.toBeDefined();
    await expect(trust.revoke({ app: 'web', instance: 'api.host-1-aa' })).rejects.toThrow(/not a sidecar of web/);
  });

  test('during a rotation a control plane takes tokens of either CA (and signs with its own); once its CA is retired it signs nothing, and old tokens fail', async () => {
    await kv.put(caKey, encodeJson({ cert: nextCa.certPem, trustDomain: td, bundle: [oldCa.certPem, nextCa.certPem] }));
    const fromNext = await join_('web', token('web', nextCa));
    expect(new X509Certificate(fromNext.cert).checkIssued(oldCa.cert)).toBe(true);
    await kv.put(caKey, encodeJson({ cert: nextCa.certPem, trustDomain: td, bundle: [nextCa.certPem] }));
    await expect(join_('web', token('web', nextCa))).rejects.toThrow(/no longer in the mesh's trust bundle/);
    signer = await CertSigner.load(dirs.next, 60_000, log);
    await expect(join_('web', token('web', oldCa))).rejects.toThrow(/bad signature/);
  });

  test('a control plane with a CA outside the bundle refuses to start; --ca-replace makes it the only one', async () => {
    const next = await CertSigner.load(dirs.next, 60_000, log);
    await expect(trust.adopt(next.ca, dirs.next)).rejects.toThrow(/not in the mesh's trust bundle/);
    await trust.adopt(next.ca, dirs.next, true);
    expect((await trust.bundle())!.certs).toEqual([nextCa.certPem]);
  });

  test('cert revoke --instance takes <app>/<instance>, <app>.<rest> or <rest>', () => {
    for (const given of ['web/web.h-1-aa', 'web.h-1-aa', 'h-1-aa']) expect(instanceOf('web', given)).toBe('web.h-1-aa');
  });
});
