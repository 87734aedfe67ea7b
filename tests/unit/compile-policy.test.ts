import { parse } from 'yaml';
import { compilePolicy, defaultRetryBudget } from '../../src/policy/compile-policy';
import { policyDocumentSchema } from '../../src/policy/policy-document';
import { meshDefaults, methodPolicy } from '../../src/policy/service-policy';

const methods = new Map([
  ['Get', { idempotent: true }],
  ['List', { idempotent: true }],
  ['Put', { idempotent: false }],
]);
const doc = (yaml: string) => policyDocumentSchema.parse(parse(yaml, { version: '1.2' }));

describe('compilePolicy', () => {
  test('an empty document gets every mesh default (docs/policy.md: least-loaded, 15 s, never-sent retries only, breaker 5/10s/50%)', () => {
    const p = compilePolicy(doc('service: a.B'), 1, methods);
    expect(p.revision).toBe(1);
    expect(p.defaults).toEqual(meshDefaults);
    expect(p.defaults.balance).toEqual({ kind: 'least-loaded' });
    expect(p.defaults.breaker).toEqual({ consecutiveFailures: 5, ejectForMs: 10_000, maxEjected: 0.5 });
    expect(p.defaults.retry.on.size).toBe(0);
    expect(p.methods.size).toBe(0);
    expect(p.retryBudget).toEqual(defaultRetryBudget);
    expect(p.routes).toEqual([]);
    expect(p.faults).toEqual([]);
    expect(p.access).toBeUndefined();
    expect(p.rateLimit).toBeUndefined();
    expect(Object.isFrozen(p)).toBe(true);
    expect(Object.isFrozen(p.defaults.retry)).toBe(true);
  });

  test('method settings override defaults field by field; durations, percents and balancers are parsed', () => {
    const p = compilePolicy(
      doc(`
service: a.B
defaults:
  timeout: 2s
  balance: hash:X-User
  retry: {attempts: 4, budget: 30%}
  breaker: {consecutiveFailures: 3, ejectFor: 1m}
methods:
  Get: {timeout: 300ms, retry: {attempts: 2}, breaker: {maxEjected: 20%}}
`),
      7,
      methods,
    );
    expect(p.defaults.timeoutMs).toBe(2000);
    expect(p.defaults.balance).toEqual({ kind: 'hash', header: 'x-user' });
    expect(p.retryBudget).toEqual({ ratio: 0.3, perSecond: 10 });
    const get = methodPolicy(p, 'Get');
    expect(get.timeoutMs).toBe(300);
    expect(get.balance).toEqual({ kind: 'hash', header: 'x-user' });
    expect(get.retry.attempts).toBe(2);
    expect(get.breaker).toEqual({ consecutiveFailures: 3, ejectForMs: 60_000, maxEjected: 0.2 });
    expect(methodPolicy(p, 'Put')).toBe(p.defaults);
  });

  test('retry.on from defaults reaches only the methods the IDL marks idempotent', () => {
    const p = compilePolicy(doc('service: a.B\ndefaults: {retry: {on: [UNAVAILABLE]}}\nmethods: {Put: {timeout: 1s}}'), 1, methods);
    expect([...methodPolicy(p, 'Get').retry.on]).toEqual(['UNAVAILABLE']);
    expect([...methodPolicy(p, 'List').retry.on]).toEqual(['UNAVAILABLE']);
    expect(methodPolicy(p, 'Put').retry.on.size).toBe(0);
    expect(methodPolicy(p, 'Put').timeoutMs).toBe(1000);
    // A method the IDL does not list falls to the defaults, which never retry codes.
    expect(methodPolicy(p, 'Other').retry.on.size).toBe(0);
  });

  test('`on` is a plain key in YAML 1.2, not the boolean true', () => {
    const p = compilePolicy(doc('service: a.B\nmethods:\n  Get:\n    retry:\n      on: [UNAVAILABLE, DEADLINE_EXCEEDED]'), 1, methods);
    expect([...methodPolicy(p, 'Get').retry.on].sort()).toEqual(['DEADLINE_EXCEEDED', 'UNAVAILABLE']);
  });

  test('routes: lower-case header names, cumulative weights in document order, zero weights never drawn', () => {
    const p = compilePolicy(
      doc(`
service: a.B
subsets: {v1: {version: v1}, v2: {version: v2}, v3: {version: v3}}
routes:
  - match: {headers: {X-Canary: "1"}, callers: [admin], methods: [Get]}
    to: {v2: 100}
  - to: {v1: 90, v3: 0, v2: 10}
`),
      1,
      methods,
    );
    expect(p.subsets.get('v2')).toEqual([['version', 'v2']]);
    expect(p.routes[0].match.headers).toEqual([['x-canary', '1']]);
    expect([...p.routes[0].match.callers]).toEqual(['admin']);
    expect([...p.routes[0].match.methods]).toEqual(['Get']);
    expect(p.routes[1].to).toEqual([
      { subset: 'v1', upTo: 90 },
      { subset: 'v2', upTo: 100 },
    ]);
    expect(p.routes[1].match.callers.size).toBe(0);
  });

  test('faults keep their absolute expiry; expired ones are dropped; a dry run without one expires from now', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    const p = compilePolicy(
      doc(`
service: a.B
faults:
  - {abort: {code: UNAVAILABLE, percent: 5}, expires: 2h, expiresAt: "2026-01-01T01:00:00Z"}
  - {delay: {ms: 100, percent: 50}, expires: 2h, expiresAt: "2025-12-31T23:00:00Z"}
  - {delay: {ms: 100, percent: 50}, expires: 30m}
`),
      1,
      methods,
      now,
    );
    expect(p.faults.map((f) => f.expiresAt)).toEqual([Date.parse('2026-01-01T01:00:00Z'), now + 30 * 60_000]);
    expect(p.faults[0].abort).toEqual({ code: 'UNAVAILABLE', percent: 5 });
    expect(p.faults[0].delay).toBeUndefined();
  });

  test('access, quotas and rate limits compile with their defaults', () => {
    const p = compilePolicy(
      doc(`
service: a.B
access: {allow: [{callers: [web], methods: [Get]}]}
quotas: [{caller: web, limit: 10, per: minute}]
rateLimit: {perInstance: 500/s, perCaller: {web: 120/m}}
`),
      1,
      methods,
    );
    expect(p.access?.mode).toBe('enforce');
    expect([...p.access!.allow[0].callers]).toEqual(['web']);
    expect(p.quotas[0]).toMatchObject({ caller: 'web', limit: 10, per: 'minute' });
    expect(p.quotas[0].methods.size).toBe(0);
    expect(p.rateLimit?.perInstance).toEqual({ rate: 500, burst: 500 });
    expect(p.rateLimit?.perCaller.get('web')).toEqual({ rate: 2, burst: 2 });
  });
});
