import { sidecarChecks } from '../../src/inspect/checks';
import { sidecarStatus } from '../../src/inspect/mesh-status';
import { describeRoutes } from '../../src/control-plane/policy-rows';
import { InstanceRates } from '../../src/control-plane/instance-rates';
import { endpointRecord } from '../../src/registry/records';
import { Metrics } from '../../src/telemetry/metrics';
import { policyDocumentSchema } from '../../src/policy/policy-document';

const now = Date.parse('2026-12-07T03:00:00Z');
const record = (extra: Record<string, unknown> = {}) =>
  endpointRecord.parse({ instance: 'php-app.h-1-abc', app: 'php-app', address: '10.0.0.1:15006', services: [], policies: { S: 3 }, heartbeatMs: 1000, ...extra });

describe('transmesh status and check, from discovery records', () => {
  test('an old record without version, start time, IDL or certificate still reads, shown as unknown', () => {
    const s = sidecarStatus(record(), { S: 2 }, { S: 3 }, null, now);
    expect(s).toMatchObject({ sidecar: 'php-app/php-app.h-1-abc', version: null, uptimeSeconds: null, idl: null, certNotAfter: null, rps: null, staleIdl: [], stalePolicy: [] });
  });

  test('a sidecar behind on IDL or policy is named with what it runs and what is current', () => {
    const rec = record({ version: '0.1.0', startedAt: new Date(now - 90_000).toISOString(), idl: { S: 1 }, policies: { S: 2 }, policyErrors: { S: { revision: 3, error: 'no subset canary' } } });
    const s = sidecarStatus(rec, { S: 2 }, { S: 3 }, { at: now, version: '0.1.0', instances: { 'php-app.h-1-abc': { app: 'php-app', rps: 12.5, failureRate: 0.02 } } }, now);
    expect(s).toMatchObject({ uptimeSeconds: 90, rps: 12.5, failureRate: 0.02, staleIdl: ['S v1 (current v2)'], stalePolicy: ['S revision 2 (current 3): no subset canary'] });
    const checks = sidecarChecks({ controlPlane: null, currentIdl: { S: 2 }, currentPolicy: { S: 3 }, sidecars: [s] }, now);
    // S is in the registry but nobody provides it: that fails too.
    expect(checks[0]).toMatchObject({ check: 'service S', ok: false, detail: 'no live provider: calls to it fail UNAVAILABLE' });
    expect(checks.filter((c) => c.check.startsWith('sidecar '))).toEqual([{ check: 'sidecar php-app/php-app.h-1-abc', ok: false, detail: 'runs IDL S v1 (current v2); policy S revision 2 (current 3): no subset canary', fix: expect.stringContaining('restart') }]);
  });

  test('a certificate is flagged once its renewal is overdue, not merely for a 24 h lifetime', () => {
    const cert = (bornAgoH: number, lifeH: number) => ({ notBefore: new Date(now - bornAgoH * 3_600_000).toISOString(), notAfter: new Date(now + (lifeH - bornAgoH) * 3_600_000).toISOString() });
    const status = (c: ReturnType<typeof cert>) => ({ controlPlane: null, currentIdl: {}, currentPolicy: { S: 3 }, sidecars: [sidecarStatus(record({ cert: c }), {}, { S: 3 }, null, now)] });
    expect(sidecarChecks(status(cert(10, 24)), now).every((c) => c.ok)).toBe(true);
    const overdue = sidecarChecks(status(cert(20, 24)), now);
    expect(overdue.find((c) => !c.ok)).toMatchObject({ check: 'certificate php-app/php-app.h-1-abc', detail: expect.stringContaining('renewal is overdue') });
  });

  test('routes read as the split in force', () => {
    const doc = policyDocumentSchema.parse({ service: 'S', subsets: { stable: { version: 'v1' }, canary: { version: 'v2' } }, routes: [{ match: { callers: ['beta'] }, to: { canary: 100 } }, { to: { stable: 90, canary: 10 } }] });
    expect(describeRoutes(doc)).toEqual(['callers=beta → canary 100%', 'all calls → stable 90% · canary 10%']);
  });

  test('per-sidecar rates count failures, not answers', () => {
    let t = 0;
    const m = new Metrics();
    const rates = new InstanceRates({ perInstance: () => [{ instance: 'i1', app: 'a', heardAt: t, series: m.samples() }] }, 10_000, () => t);
    rates.sample();
    t = 10_000;
    for (let i = 0; i < 80; i++) m.observe('outbound', 'a', 'S', 'M', 'OK', 0.001);
    for (let i = 0; i < 15; i++) m.observe('outbound', 'a', 'S', 'M', 'NOT_FOUND', 0.001);
    for (let i = 0; i < 5; i++) m.observe('outbound', 'a', 'S', 'M', 'UNAVAILABLE', 0.001);
    expect(rates.rates()).toEqual({ i1: { app: 'a', rps: 10, failureRate: 0.05 } });
  });
});
