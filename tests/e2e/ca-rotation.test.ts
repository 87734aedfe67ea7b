import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Proc, runCli, spawnCli } from '../helpers/processes';
import { CaMesh, echoService, startCaMesh } from '../helpers/ca-mesh';
import { call, SidecarProc } from '../helpers/mesh';

jest.setTimeout(180000);

/**
 * CA rotation under steady traffic, all real processes: `ca rotate` publishes a bundle of the old
 * and the new CA; a control plane started with the new CA replaces the old one; every sidecar
 * moves to a certificate from the new CA without a restart; `ca retire` refuses while a live
 * sidecar still presents an old certificate, and succeeds after. No call fails throughout.
 */
describe('CA rotation', () => {
  const svc = echoService;
  let mesh: CaMesh;
  let newDir: string;
  let newCp: Proc | undefined;
  const extra: Proc[] = [];
  const failures: string[] = [];
  let calls = 0;
  let running = true;
  const callWaiters: Array<{ at: number; resolve: () => void }> = [];
  /** Resolves once `n` more calls have come back. */
  const moreCalls = (n: number) => new Promise<void>((resolve) => callWaiters.push({ at: calls + n, resolve }));
  let traffic: Promise<void>;

  /** Sequential calls from each consumer, as fast as they come back, recording every failure. */
  const steady = (consumers: SidecarProc[]) =>
    Promise.all(
      consumers.map(async (sc) => {
        while (running) {
          const res = await call(sc.url, `/${svc}/Echo`, { text: 'steady' }).catch((err: Error) => ({ status: 0, text: err.message }));
          calls++;
          if (res.status !== 200) failures.push(`${res.status} ${res.text}`);
          for (const w of callWaiters.filter((w) => calls >= w.at)) {
            callWaiters.splice(callWaiters.indexOf(w), 1);
            w.resolve();
          }
        }
      }),
    ).then(() => undefined);
  const fingerprint = (dir: string) => new X509Certificate(readFileSync(join(dir, 'ca.crt'))).fingerprint256;
  const movedTo = (sc: SidecarProc, fp: string) => sc.proc.waitFor((l) => l.msg === 'mesh certificate renewed' && l.issuer === fp, 'a certificate from the new CA', 60_000);

  beforeAll(async () => {
    mesh = await startCaMesh();
    newDir = join(mkdtempSync(join(tmpdir(), 'transmesh-ca-new-')), 'ca');
    traffic = steady([mesh.web, mesh.other]);
  });

  afterAll(async () => {
    running = false;
    await traffic;
    await Promise.all(extra.map((p) => p.stop()));
    await newCp?.stop();
    await mesh?.stop();
  });

  test('ca rotate writes a new CA and publishes a bundle of both; every sidecar trusts both', async () => {
    const oldToken = await mesh.token('late');
    const res = await runCli(['ca', 'rotate', '--ca', mesh.caDir, '--out', newDir, '--nats', mesh.nats.url]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('trust bundle: 2 CAs');
    await Promise.all([mesh.provider, mesh.web, mesh.other].map((sc) => sc.proc.waitFor((l) => l.msg === 'mesh trust bundle changed' && l.cas === 2, 'the bundle of two CAs')));
    // Tokens of the old CA still join (the control plane still signs with the old CA here).
    const late = await mesh.join('late', oldToken);
    extra.push(late.proc);
  });

  test('ca retire refuses while live sidecars present certificates from the old CA, naming them', async () => {
    const res = await runCli(['ca', 'retire', '--ca', mesh.caDir, '--nats', mesh.nats.url]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/live sidecars still present a certificate from this CA: .*echo-a\/echo-a\..*web\/web\./);
  });

  test('a control plane restarted with the new CA signs with it; every sidecar moves to it with no restart and no failed call', async () => {
    const fp = fingerprint(newDir);
    const moved = [mesh.provider, mesh.web, mesh.other].map((sc) => movedTo(sc, fp));
    newCp = spawnCli('control-plane new CA', ['control-plane', '--nats', mesh.nats.url, '--admin', '127.0.0.1:0', '--ca', newDir]);
    await newCp.waitForMsg('control plane ready');
    await mesh.cp.stop();
    await Promise.all(moved);
    // Calls go on over the new certificates.
    await moreCalls(20);
    expect(failures).toEqual([]);
  });

  test('ca retire succeeds once no live sidecar uses the old CA; then old tokens no longer join, and calls go on', async () => {
    const oldToken = await mesh.token('later');
    const late = extra[0];
    // The sidecar that joined with an old token moved too, or it would block the retirement.
    await late.waitFor((l) => l.msg === 'mesh certificate renewed' && l.issuer === fingerprint(newDir), 'late on the new CA', 60_000);
    // Discovery records carry the certificate a sidecar presents; one heartbeat after the move they say so.
    let res = await runCli(['ca', 'retire', '--ca', mesh.caDir, '--nats', mesh.nats.url]);
    for (let i = 0; res.code !== 0 && i < 20; i++) {
      await new Promise((r) => setTimeout(r, 250));
      res = await runCli(['ca', 'retire', '--ca', mesh.caDir, '--nats', mesh.nats.url]);
    }
    expect(res.stderr).toBe('');
    expect(res.stdout).toContain('the mesh trusts 1 CA');
    await Promise.all([mesh.provider, mesh.web, mesh.other].map((sc) => sc.proc.waitFor((l) => l.msg === 'mesh trust bundle changed' && l.cas === 1, 'the bundle of one CA')));
    const p = spawnCli('sidecar later', ['sidecar', '--nats', mesh.nats.url, '--app', 'later', '--listen', '127.0.0.1:0', '--inbound', '127.0.0.1:0', '--admin', '127.0.0.1:0'], { TRANSMESH_TOKEN: oldToken });
    extra.push(p);
    expect(await p.exited).not.toBe(0);
    expect(p.lines.filter((l) => l.raw).map((l) => l.msg).pop()).toMatch(/the join token has a bad signature/);
    // A control plane started with the retired CA refuses to start, saying why.
    const stale = spawnCli('control-plane old CA', ['control-plane', '--nats', mesh.nats.url, '--admin', '127.0.0.1:0', '--ca', mesh.caDir]);
    extra.push(stale);
    expect(await stale.exited).not.toBe(0);
    expect(stale.lines.filter((l) => l.raw).map((l) => l.msg).pop()).toMatch(/is not in the mesh's trust bundle/);
    const newToken = (await runCli(['token', 'create', '--app', 'later', '--ca', newDir])).stdout.trim();
    const fresh = await mesh.join('later', newToken);
    extra.push(fresh.proc);
    await moreCalls(20);
    running = false;
    await traffic;
    expect(calls).toBeGreaterThan(0);
    expect(failures).toEqual([]);
  });
});
