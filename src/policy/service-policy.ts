import type { CodeName } from '../errors/codes';

/**
 * A policy as the data plane uses it: one per service, compiled from a stored document revision
 * once when it arrives (`compilePolicy` in compile-policy.ts), frozen, and read per call without
 * parsing anything. Every field has its default filled in, so layers never branch on absence.
 */

export type Balance = { readonly kind: 'round-robin' } | { readonly kind: 'least-loaded' } | { readonly kind: 'hash'; readonly header: string };

export interface RetrySettings {
  /** Attempts in all, within the call's deadline (1 = no retry). */
  readonly attempts: number;
  /** Codes retried besides "never reached a provider"; empty for methods the IDL does not mark idempotent. */
  readonly on: ReadonlySet<CodeName>;
}

export interface BreakerSettings {
  readonly consecutiveFailures: number;
  readonly ejectForMs: number;
  /** Share of a subset that may be ejected at once (0..1). */
  readonly maxEjected: number;
}

/** The effective settings of one method: the method's own, else `defaults`, else the mesh default. */
export interface MethodPolicy {
  /** The deadline when the caller sends none; a caller's x-transmesh-timeout-ms may only shorten it. undefined = the sidecar's default (15 s). */
  readonly timeoutMs: number | undefined;
  readonly balance: Balance;
  readonly retry: RetrySettings;
  readonly breaker: BreakerSettings;
}

export interface Match {
  /** Request headers the app sent, lower-case names, exact values. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** Calling apps; empty = any. */
  readonly callers: ReadonlySet<string>;
  /** Method names; empty = any. */
  readonly methods: ReadonlySet<string>;
}

export interface Route {
  readonly match: Match;
  /** Subset names with cumulative weights (0..100], in document order, for one random draw per call. */
  readonly to: ReadonlyArray<{ readonly subset: string; readonly upTo: number }>;
}

export interface Fault {
  readonly match: Match;
  readonly delay: { readonly ms: number; readonly percent: number } | undefined;
  readonly abort: { readonly code: CodeName; readonly percent: number } | undefined;
  /** Absolute time (ms since epoch) after which the fault is gone. */
  readonly expiresAt: number;
}

export interface AccessPolicy {
  readonly mode: 'enforce' | 'audit';
  /** Allowed (caller, method) pairs; `*` as a method allows every method. */
  readonly allow: ReadonlyArray<{ readonly callers: ReadonlySet<string>; readonly methods: ReadonlySet<string> }>;
}

export type QuotaWindow = 'second' | 'minute' | 'hour' | 'day';

export interface Quota {
  readonly caller: string;
  /** Empty = every method of the service. */
  readonly methods: ReadonlySet<string>;
  readonly limit: number;
  readonly per: QuotaWindow;
}

export interface RateLimit {
  /** Calls per second and burst, per provider sidecar instance; undefined = no limit. */
  readonly perInstance: { readonly rate: number; readonly burst: number } | undefined;
  readonly perCaller: ReadonlyMap<string, { readonly rate: number; readonly burst: number }>;
}

export interface ServicePolicy {
  readonly service: string;
  readonly revision: number;
  /** subset name → labels a provider must all carry. */
  readonly subsets: ReadonlyMap<string, ReadonlyArray<readonly [string, string]>>;
  /** For a method with no entry, `defaults` applies. */
  readonly methods: ReadonlyMap<string, MethodPolicy>;
  readonly defaults: MethodPolicy;
  /** One retry budget per service and consumer sidecar: retries over 10 s ≤ ratio × calls + perSecond × 10. */
  readonly retryBudget: { readonly ratio: number; readonly perSecond: number };
  readonly routes: readonly Route[];
  readonly faults: readonly Fault[];
  readonly access: AccessPolicy | undefined;
  readonly quotas: readonly Quota[];
  readonly rateLimit: RateLimit | undefined;
}

/** Every policy a sidecar runs, swapped whole like the IDL and endpoint snapshots. */
export interface PolicySnapshot {
  readonly byService: ReadonlyMap<string, ServicePolicy>;
}

/** The mesh defaults when a service has no policy or a section is absent (docs/policy.md, The document). */
export const meshDefaults: MethodPolicy = Object.freeze({
  timeoutMs: undefined,
  balance: Object.freeze({ kind: 'least-loaded' }) as Balance,
  retry: Object.freeze({ attempts: 3, on: new Set<CodeName>() }),
  breaker: Object.freeze({ consecutiveFailures: 5, ejectForMs: 10_000, maxEjected: 0.5 }),
});

export const emptyPolicies: PolicySnapshot = Object.freeze({ byService: new Map() });

export function methodPolicy(policy: ServicePolicy | undefined, method: string): MethodPolicy {
  if (!policy) return meshDefaults;
  return policy.methods.get(method) ?? policy.defaults;
}
