import { parse } from 'yaml';
import { formatPath, validatePolicy, type ValidationContext } from '../../src/control-plane/policy-validate';
import { lineDiff } from '../../src/control-plane/policy-diff';

const methods = new Map([
  ['Get', { idempotent: true }],
  ['Put', { idempotent: false }],
]);
const ctx = (providers: Array<Record<string, string>> = [{ version: 'v1' }, { version: 'v2' }]): ValidationContext => ({
  methods: async (service) => (service === 'a.Ledger' ? methods : undefined),
  providerLabels: async () => providers,
});
const validate = (text: string, c = ctx(), now?: number) => validatePolicy('ledger.yaml', text, c, now);

const good = `
service: a.Ledger
subsets: {v1: {version: v1}, v2: {version: v2}}
defaults: {timeout: 2s, retry: {on: [UNAVAILABLE], budget: 20%}}
methods:
  Get: {timeout: 300ms, retry: {attempts: 2, on: [UNAVAILABLE, DEADLINE_EXCEEDED]}}
routes:
  - match: {headers: {x-canary: "1"}}
    to: {v2: 100}
  - to: {v1: 90, v2: 10}
`;

describe('policy validation', () => {
  test('formatPath names places as the contract does', () => {
    expect(formatPath(['routes', 2, 'to', 'v3'])).toBe('routes[2].to.v3');
    expect(formatPath([])).toBe('');
  });

  test('a good document passes, with no warnings when every subset has a live provider', async () => {
    const res = await validate(good);
    expect(res).toMatchObject({ ok: true, warnings: [] });
  });

  test('every problem is reported with its place, in one go', async () => {
    const res = await validate(`
service: a.Ledger
subsets: {v1: {version: v1}}
methods:
  Nope: {timeout: 1s}
  Put: {retry: {on: [UNAVAILABLE]}}
  Get: {retry: {budget: 10%}}
routes:
  - match: {methods: [Get, Missing]}
    to: {v1: 50, v3: 40}
faults:
  - match: {methods: [Gone]}
    abort: {code: UNAVAILABLE, percent: 5}
    expires: 1h
access:
  allow: [{callers: [web], methods: ["*", Absent]}]
`);
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.problems).toEqual([
      'methods.Nope: no method Nope in a.Ledger',
      expect.stringMatching(/^methods\.Put\.retry\.on: Put is not idempotent in the IDL/),
      'methods.Get.retry.budget: a retry budget is set only in defaults (one budget per service)',
      'routes[0].match.methods[1]: no method Missing in a.Ledger',
      'routes[0].to.v3: no subset v3',
      'routes[0].to: weights sum to 90, not 100',
      'faults[0].match.methods[0]: no method Gone in a.Ledger',
      'access.allow[0].methods[1]: no method Absent in a.Ledger',
    ]);
  });

  test('schema problems: unknown fields, bad durations, percents, codes and balancers, each with its place', async () => {
    const res = await validate(`
service: a.Ledger
colour: blue
defaults:
  timeout: soon
  balance: random
  retry: {on: [SOMETIMES], budget: 120%, tries: 3}
routes:
  - to: {v1: 101}
`);
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.problems).toEqual(
      expect.arrayContaining([
        'colour: unknown field',
        expect.stringMatching(/^defaults\.timeout: not a duration/),
        expect.stringMatching(/^defaults\.balance: not a balancer/),
        expect.stringMatching(/^defaults\.retry\.on\[0\]: /),
        expect.stringMatching(/^defaults\.retry\.budget: not a percentage/),
        'defaults.retry.tries: unknown field',
        expect.stringMatching(/^routes\[0\]\.to\.v1: Too big/),
        'routes[0].to.v1: no subset v1',
        'routes[0].to: weights sum to 101, not 100',
      ]),
    );
    expect(res.problems).toHaveLength(9);
  });

  test('schema and semantic problems are named together: a bad duration, an unknown method and an unknown subset', async () => {
    const res = await validate(`
service: a.Ledger
subsets: {v1: {version: v1}}
methods:
  Get: {timeout: 5 parsecs}
  Nope: {timeout: 1s}
routes:
  - to: {v1: 50, v3: 50}
`);
    expect(res).toEqual({
      ok: false,
      warnings: [],
      problems: ['methods.Get.timeout: not a duration (e.g. 300ms, 2s, 5m, 1h, 1d)', 'methods.Nope: no method Nope in a.Ledger', 'routes[0].to.v3: no subset v3'],
    });
  });

  test('values of the wrong type get their schema problem and no semantic noise', async () => {
    const res = await validate(`
service: a.Ledger
methods: [Get]
routes:
  - to: {v1: lots}
  - oops
faults: [nothing]
quotas: [{caller: 7, methods: Get, limit: 1, per: second}]
`);
    expect(res.ok).toBe(false);
    if (res.ok) return;
    // Each wrong value once, from the schema; v1 is also not a subset (none are declared).
    expect(res.problems.filter((p) => !/^(methods|routes\[[01]\]|routes\[0\]\.to\.v1|faults\[0\]|quotas\[0\]\.(caller|methods)): /.test(p))).toEqual([]);
    expect(res.problems).toContain('routes[0].to.v1: no subset v1');
    expect(res.problems.some((p) => /weights sum|needs a delay|not an app name|no method/.test(p))).toBe(false);
  });

  test('an unknown service is refused', async () => {
    const res = await validate('service: no.Such\nquotas: [{caller: web, limit: 1, per: second}]\nrateLimit: {perInstance: 5/s}');
    expect(res).toMatchObject({ ok: false, problems: ['service: no service no.Such in the IDL registry (push its IDL first)'] });
  });

  test('quotas and rate limits: methods must exist, callers be app names, rates parse', async () => {
    const ok = await validate('service: a.Ledger\nquotas: [{caller: web, methods: [Get], limit: 1000, per: minute}]\nrateLimit: {perInstance: 500/s, perCaller: {web: 100/s}, burst: 50}');
    expect(ok.ok).toBe(true);
    const bad = await validate('service: a.Ledger\nquotas: [{caller: "web app", methods: [Nope], limit: 1, per: second}, {caller: web, limit: 1, per: week}]\nrateLimit: {perInstance: fast, perCaller: {"a/b": 1/s}}');
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^quotas\[1\]\.per: /),
        expect.stringMatching(/^rateLimit\.perInstance: not a rate/),
      ]),
    );
    const names = await validate('service: a.Ledger\nquotas: [{caller: "web app", methods: [Nope], limit: 1, per: second}]\nrateLimit: {perCaller: {"a/b": 1/s}}');
    expect(names).toMatchObject({
      ok: false,
      problems: ['quotas[0].methods[0]: no method Nope in a.Ledger', 'quotas[0].caller: "web app" is not an app name (letters, digits, . _ - only)', 'rateLimit.perCaller.a/b: "a/b" is not an app name (letters, digits, . _ - only)'],
    });
  });

  test('YAML syntax errors name file, line and column; JSON documents are accepted too', async () => {
    const bad = await validate('service: a.Ledger\nsubsets: {v1: {version: v1}\n');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems[0]).toMatch(/^ledger\.yaml:\d+:\d+: /);
    const dup = await validate('service: a.Ledger\nservice: a.Ledger\n');
    expect(dup.ok).toBe(false);
    expect(await validate(JSON.stringify({ service: 'a.Ledger', defaults: { retry: { on: ['UNAVAILABLE'] } } }))).toMatchObject({ ok: true });
  });

  test('a subset that matches no live provider is accepted with a warning', async () => {
    const res = await validate(good, ctx([{ version: 'v1', zone: 'a' }]));
    expect(res).toMatchObject({ ok: true, warnings: [expect.stringMatching(/^subsets\.v2: matches no live provider of a\.Ledger/)] });
  });

  test('a discovery that cannot be read (a stream electing its leader) only turns the subset check into a warning', async () => {
    const res = await validate(good, { ...ctx(), providerLabels: async () => Promise.reject(new Error('TIMEOUT')) });
    expect(res).toMatchObject({ ok: true, warnings: ['subsets: not checked against live providers (discovery could not be read: TIMEOUT)'] });
  });

  test('faults get an absolute expiresAt at apply time, in the stored YAML too; operators may not write one', async () => {
    const now = Date.parse('2026-03-01T10:00:00Z');
    const res = await validate('service: a.Ledger\nfaults:\n  # chaos\n  - abort: {code: UNAVAILABLE, percent: 5}\n    expires: 2h\n', ctx(), now);
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.value.document.faults![0].expiresAt).toBe('2026-03-01T12:00:00.000Z');
    expect(parse(res.value.yaml).faults[0].expiresAt).toBe('2026-03-01T12:00:00.000Z');
    expect(res.value.yaml).toContain('# chaos');
    const own = await validate('service: a.Ledger\nfaults: [{abort: {code: UNAVAILABLE, percent: 5}, expires: 2h, expiresAt: "2030-01-01T00:00:00Z"}, {expires: 1h}]');
    expect(own).toMatchObject({ ok: false, problems: [expect.stringMatching(/^faults\[0\]\.expiresAt: set by the control plane/), 'faults[1]: needs a delay, an abort or both'] });
  });
});

describe('lineDiff', () => {
  test('marks removed and added lines', () => {
    expect(lineDiff('a\nb\nc\n', 'a\nx\nc\n')).toBe('  a\n- b\n+ x\n  c');
    expect(lineDiff('', 'a\n')).toBe('+ a');
  });
});
