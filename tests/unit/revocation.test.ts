import { X509Certificate } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initCa, loadCa, signCsr } from '../../src/identity/ca';
import { buildRevocations, certIdentityOf, certRevoked, noRevocations, revocationKey, subjectFields, tokenId, tokenIdOf } from '../../src/identity/revocation';
import { newWorkloadKey } from '../../src/identity/workload-key';
import { MeshTls } from '../../src/identity/mesh-tls';
import { RevocationGate } from '../../src/sidecar/inbound/revocation-gate';
import { SnapshotCell } from '../../src/snapshot/snapshot-cell';
import { revocationRecord } from '../../src/registry/records';
import { createLogger } from '../../src/log/logger';

const at = '2026-12-07T00:00:00.000Z';

describe('the deny list snapshot', () => {
  const rev = buildRevocations([
    { kind: 'token', id: 'tok1', at },
    { kind: 'app', app: 'web', generation: 2, at },
    { kind: 'instance', app: 'api', instance: 'api.host-1-aa', at },
  ]);

  test('an app revocation refuses certificates of older generations only', () => {
    expect(certRevoked(rev, { app: 'web', instance: 'web.h-1', generation: 0 })).toMatch(/certificate of web was revoked/);
    expect(certRevoked(rev, { app: 'web', instance: 'web.h-1', generation: 1 })).toBeDefined();
    expect(certRevoked(rev, { app: 'web', instance: 'web.h-2', generation: 2 })).toBeUndefined();
    expect(certRevoked(rev, { app: 'other', instance: undefined, generation: 0 })).toBeUndefined();
  });

  test('an instance revocation refuses that sidecar whatever its generation, and no other', () => {
    expect(certRevoked(rev, { app: 'api', instance: 'api.host-1-aa', generation: 5 })).toMatch(/api\/api.host-1-aa was revoked/);
    expect(certRevoked(rev, { app: 'api', instance: 'api.host-2-bb', generation: 0 })).toBeUndefined();
  });

  test('the empty list refuses nothing; tokens are kept by id', () => {
    expect(certRevoked(noRevocations, { app: 'web', instance: undefined, generation: 0 })).toBeUndefined();
    expect(rev.tokens.has('tok1')).toBe(true);
  });

  test('two records of one app keep the higher generation (a replay cannot lower it)', () => {
    const r = buildRevocations([
      { kind: 'app', app: 'web', generation: 3, at },
      { kind: 'app', app: 'web', generation: 1, at },
    ]);
    expect(r.apps.get('web')).toBe(3);
  });

  test('keys are one per token, app and instance, valid KV keys', () => {
    const keys = [revocationKey({ kind: 'token', id: tokenId('a.b.c'), at }), revocationKey({ kind: 'app', app: 'web', generation: 1, at }), revocationKey({ kind: 'instance', app: 'web', instance: 'web.h-1-ab', at })];
    expect(keys[1]).toBe('revoked.app.web');
    expect(keys[2]).toBe('revoked.instance.web.h-1-ab');
    for (const k of keys) expect(k).toMatch(/^[-/_=.a-zA-Z0-9]+$/);
  });

  test('stored records are read through their schema', () => {
    expect(revocationRecord.parse({ kind: 'app', app: 'web', generation: 1, at })).toEqual({ kind: 'app', app: 'web', generation: 1, at });
    expect(() => revocationRecord.parse({ kind: 'app', app: 'web', generation: 0, at })).toThrow();
  });
});

describe('token ids', () => {
  test('a token and its id name the same token; whitespace does not matter', () => {
    const id = tokenId('h.p.s');
    expect(id).toMatch(/^[-_a-zA-Z0-9]{22}$/);
    expect(tokenIdOf(' h.p.s\n')).toBe(id);
    expect(tokenIdOf(id)).toBe(id);
    expect(tokenId('h.p.t')).not.toBe(id);
  });
});

describe('certificates carry the instance and the app generation', () => {
  let caDir: string;
  beforeAll(async () => {
    caDir = join(mkdtempSync(join(tmpdir(), 'transmesh-rev-')), 'ca');
    await initCa(caDir, 'mesh.test');
  });

  test('signCsr writes them into the subject, and they read back from node:crypto and node:tls shapes', async () => {
    const ca = await loadCa(caDir);
    const key = await newWorkloadKey('web');
    const pem = await signCsr(ca, key.csrPem, 'web', 3_600_000, { instance: 'web.host-1=x-ab', generation: 4 });
    const cert = new X509Certificate(pem);
    expect(certIdentityOf('web', subjectFields(cert.subject))).toEqual({ app: 'web', instance: 'web.host-1=x-ab', generation: 4 });
    expect(certIdentityOf('web', cert.toLegacyObject().subject as unknown as Record<string, string>)).toEqual({ app: 'web', instance: 'web.host-1=x-ab', generation: 4 });
    // Signed before instances and generations: generation 0, no instance.
    expect(certIdentityOf('web', subjectFields(new X509Certificate(await signCsr(ca, key.csrPem, 'web', 3_600_000)).subject))).toEqual({ app: 'web', instance: undefined, generation: 0 });
  });

  test('the revocation gate decides once per connection and deny-list snapshot, and counts refusals', async () => {
    const ca = await loadCa(caDir);
    const key = await newWorkloadKey('web');
    const tls = new MeshTls({ keyPem: key.keyPem, certPem: await signCsr(ca, key.csrPem, 'web', 3_600_000), caPem: ca.certPem, trustDomain: 'mesh.test' });
    const peer = new X509Certificate(await signCsr(ca, key.csrPem, 'web', 3_600_000, { instance: 'web.h-1', generation: 1 })).toLegacyObject();
    let reads = 0;
    const socket = { getPeerCertificate: () => (reads++, peer) } as never;
    const cell = new SnapshotCell(noRevocations);
    const gate = new RevocationGate(tls, cell, createLogger('test'));
    expect(gate.refusal(socket, 'web')).toBeUndefined();
    cell.swap(buildRevocations([{ kind: 'app', app: 'web', generation: 2, at }]));
    expect(gate.refusal(socket, 'web')?.code).toBe('UNAUTHENTICATED');
    expect(gate.refusal(socket, 'web')?.code).toBe('UNAUTHENTICATED');
    cell.swap(buildRevocations([{ kind: 'app', app: 'web', generation: 1, at }]));
    expect(gate.refusal(socket, 'web')).toBeUndefined();
    expect(reads).toBe(1);
    expect(gate.render()).toContain('transmesh_revoked_calls_total{caller="web"} 2');
  });
});
