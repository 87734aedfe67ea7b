import { AccessLog, defaultAccessLogOptions } from '../../src/telemetry/access-log';
import { emptyPolicies, type PolicySnapshot } from '../../src/policy/service-policy';
import { createAdminServer, AdminServer } from '../../src/sidecar/admin/admin-server';
import { Metrics } from '../../src/telemetry/metrics';
import { missingProcessMetrics } from '../helpers/process-metric-names';
import { SnapshotCell } from '../../src/snapshot/snapshot-cell';
import { emptyEndpoints, emptyIdl, EndpointsSnapshot, IdlSnapshot } from '../../src/snapshot/snapshots';

describe('sidecar admin listener (node:http)', () => {
  const idl = new SnapshotCell<IdlSnapshot>(emptyIdl);
  const endpoints = new SnapshotCell<EndpointsSnapshot>(emptyEndpoints);
  const metrics = new Metrics();
  let draining = false;
  let admin: AdminServer;
  let base: string;

  beforeAll(async () => {
    admin = createAdminServer({ metrics, accessLog: new AccessLog(defaultAccessLogOptions), idl, endpoints, policies: new SnapshotCell<PolicySnapshot>(emptyPolicies), ejected: () => ({}), draining: () => draining, info: () => ({ app: 'unit-app' }) });
    base = await admin.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => admin.close());

  test('binds port 0 and answers /healthz', async () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  test('/readyz follows the snapshots and draining', async () => {
    const notYet = await fetch(`${base}/readyz`);
    expect(notYet.status).toBe(503);
    expect(await notYet.json()).toEqual({ status: 'not ready', checks: { idl: false, endpoints: false, draining: false } });
    idl.swap({ services: new Map(), loadedAt: Date.UTC(2026, 0, 2) });
    endpoints.swap({ byService: new Map([['a.v1.S', [{ instance: 'i1', app: 'p', address: '10.0.0.1:15006', protocol: 'grpc', encoding: undefined, labels: {} }]]]) });
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    draining = true;
    const drainingRes = await fetch(`${base}/readyz?verbose=1`);
    expect(drainingRes.status).toBe(503);
    expect(((await drainingRes.json()) as { checks: { draining: boolean } }).checks.draining).toBe(true);
    draining = false;
  });

  test('/metrics is Prometheus text with the recorded calls', async () => {
    metrics.observe('outbound', 'unit-app', 'a.v1.S', 'M', 'OK', 0.002);
    const res = await fetch(`${base}/metrics`);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4');
    expect(await res.text()).toMatch(/transmesh_requests_total\{direction="outbound",caller="unit-app",service="a\.v1\.S",method="M",code="OK"\} 1/);
  });

  test('/metrics carries the process metrics every Node exporter has', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(missingProcessMetrics(text)).toEqual([]);
    expect(text).toContain('# TYPE process_cpu_seconds_total counter');
  });

  test('/debug/snapshot shows info, services and endpoints', async () => {
    const body = (await (await fetch(`${base}/debug/snapshot`)).json()) as { app: string; idl: unknown; endpoints: Record<string, Array<{ address: string }>> };
    expect(body.app).toBe('unit-app');
    expect(body.idl).toEqual({ loadedAt: '2026-01-02T00:00:00.000Z', services: [] });
    expect(body.endpoints['a.v1.S'][0].address).toBe('10.0.0.1:15006');
  });

  test('unknown paths are 404, other methods 405, both JSON', async () => {
    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toBe('NOT_FOUND');
    const post = await fetch(`${base}/healthz`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect((await fetch(`${base}/__proto__`)).status).toBe(404);
  });
});
