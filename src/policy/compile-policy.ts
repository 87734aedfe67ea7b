import type { CodeName } from '../errors/codes';
import { parseDuration, parsePercent, parseRate, type MethodSettings, type PolicyDocument } from './policy-document';
import {
  meshDefaults,
  type AccessPolicy,
  type Balance,
  type Fault,
  type Match,
  type MethodPolicy,
  type RateLimit,
  type Route,
  type ServicePolicy,
} from './service-policy';

/** What compile needs to know of a service's methods: only whether the IDL marks each idempotent. */
export type MethodFlags = ReadonlyMap<string, { readonly idempotent: boolean }>;

/** The retry budget when `defaults.retry.budget` is absent: Linkerd's 20% of calls, plus 10 retries a second. */
export const defaultRetryBudget = Object.freeze({ ratio: 0.2, perSecond: 10 });

const noCodes: ReadonlySet<CodeName> = Object.freeze(new Set<CodeName>());

/**
 * Turns one stored revision of a validated document into the frozen `ServicePolicy` the data
 * plane reads: every default filled in (docs/policy.md, The document), durations and rates in numbers,
 * route weights cumulative. `retry.on` survives only on methods `methods` marks idempotent, so
 * the compiled `defaults` never retries codes (the methods that may are listed one by one).
 * Faults keep the absolute expiry set at apply time; ones already expired at `now` are dropped.
 */
export function compilePolicy(doc: PolicyDocument, revision: number, methods: MethodFlags, now = Date.now()): ServicePolicy {
  const idempotent = (name: string) => methods.get(name)?.idempotent === true;
  const d = doc.defaults;
  const compiled = new Map<string, MethodPolicy>();
  // Every idempotent method gets its own entry when defaults name codes, since `defaults` itself may not retry them.
  if (d?.retry?.on?.length) for (const [name] of methods) if (idempotent(name)) compiled.set(name, methodPolicy(d, undefined, true));
  for (const [name, own] of Object.entries(doc.methods ?? {})) compiled.set(name, methodPolicy(d, own, idempotent(name)));
  const budget = d?.retry?.budget === undefined ? defaultRetryBudget : Object.freeze({ ratio: parsePercent(d.retry.budget)!, perSecond: defaultRetryBudget.perSecond });
  return Object.freeze({
    service: doc.service,
    revision,
    subsets: new Map(Object.entries(doc.subsets ?? {}).map(([name, labels]) => [name, Object.freeze(Object.entries(labels))] as const)),
    methods: compiled,
    defaults: methodPolicy(d, undefined, false),
    retryBudget: budget,
    routes: Object.freeze((doc.routes ?? []).map(route)),
    faults: Object.freeze((doc.faults ?? []).map((f) => fault(f, now)).filter((f) => f.expiresAt > now)),
    access: doc.access && accessPolicy(doc.access),
    quotas: Object.freeze(
      (doc.quotas ?? []).map((q) => Object.freeze({ caller: q.caller, methods: new Set(q.methods ?? []), limit: q.limit, per: q.per })),
    ),
    rateLimit: doc.rateLimit && rateLimit(doc.rateLimit),
  });
}

/** One method's settings, field by field: its own, else `defaults`, else the mesh default. */
function methodPolicy(d: MethodSettings | undefined, own: MethodSettings | undefined, idempotent: boolean): MethodPolicy {
  const timeout = own?.timeout ?? d?.timeout;
  const balance = own?.balance ?? d?.balance;
  const on = own?.retry?.on ?? d?.retry?.on ?? [];
  const b = meshDefaults.breaker;
  const ejectFor = own?.breaker?.ejectFor ?? d?.breaker?.ejectFor;
  const maxEjected = own?.breaker?.maxEjected ?? d?.breaker?.maxEjected;
  return Object.freeze({
    timeoutMs: timeout === undefined ? meshDefaults.timeoutMs : parseDuration(timeout)!,
    balance: balance === undefined ? meshDefaults.balance : parseBalance(balance),
    retry: Object.freeze({
      attempts: own?.retry?.attempts ?? d?.retry?.attempts ?? meshDefaults.retry.attempts,
      on: idempotent && on.length ? Object.freeze(new Set(on)) : noCodes,
    }),
    breaker: Object.freeze({
      consecutiveFailures: own?.breaker?.consecutiveFailures ?? d?.breaker?.consecutiveFailures ?? b.consecutiveFailures,
      ejectForMs: ejectFor === undefined ? b.ejectForMs : parseDuration(ejectFor)!,
      maxEjected: maxEjected === undefined ? b.maxEjected : parsePercent(maxEjected)!,
    }),
  });
}

export function parseBalance(text: string): Balance {
  if (text === 'round-robin') return Object.freeze({ kind: 'round-robin' });
  if (text.startsWith('hash:')) return Object.freeze({ kind: 'hash', header: text.slice('hash:'.length).toLowerCase() });
  return meshDefaults.balance;
}

type DocMatch = NonNullable<NonNullable<PolicyDocument['routes']>[number]['match']>;

function match(m: DocMatch | undefined): Match {
  return Object.freeze({
    // Node lower-cases incoming header names, so the document's are too.
    headers: Object.freeze(Object.entries(m?.headers ?? {}).map(([k, v]) => Object.freeze([k.toLowerCase(), v] as const))),
    callers: Object.freeze(new Set(m?.callers ?? [])),
    methods: Object.freeze(new Set(m?.methods ?? [])),
  });
}

function route(r: NonNullable<PolicyDocument['routes']>[number]): Route {
  let upTo = 0;
  const to: Array<{ subset: string; upTo: number }> = [];
  for (const [subset, weight] of Object.entries(r.to)) {
    if (weight <= 0) continue; // never drawn
    upTo += weight;
    to.push(Object.freeze({ subset, upTo }));
  }
  return Object.freeze({ match: match(r.match), to: Object.freeze(to) });
}

function fault(f: NonNullable<PolicyDocument['faults']>[number], now: number): Fault {
  // A document compiled before it was applied (a dry run) has no absolute time yet.
  const expiresAt = f.expiresAt !== undefined ? Date.parse(f.expiresAt) : now + parseDuration(f.expires)!;
  return Object.freeze({
    match: match(f.match),
    delay: f.delay && Object.freeze({ ...f.delay }),
    abort: f.abort && Object.freeze({ ...f.abort }),
    expiresAt: Number.isNaN(expiresAt) ? 0 : expiresAt,
  });
}

function accessPolicy(a: NonNullable<PolicyDocument['access']>): AccessPolicy {
  return Object.freeze({
    mode: a.mode ?? 'enforce',
    allow: Object.freeze(a.allow.map((x) => Object.freeze({ callers: Object.freeze(new Set(x.callers)), methods: Object.freeze(new Set(x.methods)) }))),
  });
}

function rateLimit(r: NonNullable<PolicyDocument['rateLimit']>): RateLimit {
  const limit = (text: string) => {
    const rate = parseRate(text)!;
    return Object.freeze({ rate, burst: r.burst ?? Math.max(1, Math.ceil(rate)) });
  };
  return Object.freeze({
    perInstance: r.perInstance === undefined ? undefined : limit(r.perInstance),
    perCaller: new Map(Object.entries(r.perCaller ?? {}).map(([caller, text]) => [caller, limit(text)] as const)),
  });
}
