import { z } from 'zod';
import { Code, type CodeName } from '../errors/codes';

/**
 * A policy document as operators write it (docs/policy.md, "The document"): one per provider service,
 * YAML 1.2 or JSON. Strict: an unknown field anywhere is refused. This schema checks shapes and
 * units only; what needs the registry or discovery (the service and its methods exist, retry
 * codes on idempotent methods only, subsets) is checked by the control plane on top of it.
 */

/** `300ms`, `2s`, `90m`, `12h`, `30d` → milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) return undefined;
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms'];
  return Number(m[1]) * factor;
}

/** `20%` → 0.2. */
export function parsePercent(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)%$/.exec(text.trim());
  if (!m) return undefined;
  const v = Number(m[1]) / 100;
  return v <= 1 ? v : undefined;
}

/** `500/s`, `100/m`, `10/h` → calls per second. */
export function parseRate(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\/(s|m|h)$/.exec(text.trim());
  if (!m) return undefined;
  const per = { s: 1, m: 60, h: 3600 }[m[2] as 's'];
  const v = Number(m[1]) / per;
  return v > 0 ? v : undefined;
}

const duration = z.string().refine((s) => parseDuration(s) !== undefined, { message: 'not a duration (e.g. 300ms, 2s, 5m, 1h, 1d)' });
const percent = z.string().refine((s) => parsePercent(s) !== undefined, { message: 'not a percentage between 0% and 100%' });
const rate = z.string().refine((s) => parseRate(s) !== undefined, { message: 'not a rate (e.g. 500/s, 100/m)' });
const code = z.enum(Object.keys(Code).filter((c) => c !== 'OK') as [CodeName, ...CodeName[]]);
const name = z.string().min(1);

export const balanceSchema = z.string().refine((s) => s === 'round-robin' || s === 'least-loaded' || /^hash:[A-Za-z0-9-]+$/.test(s), {
  message: 'not a balancer: round-robin, least-loaded or hash:<request header>',
});

export const retrySchema = z.strictObject({
  attempts: z.number().int().min(1).max(10).optional(),
  on: z.array(code).optional(),
  /** Only in `defaults`: the control plane refuses it under `methods`. */
  budget: percent.optional(),
});

export const breakerSchema = z.strictObject({
  consecutiveFailures: z.number().int().min(1).optional(),
  ejectFor: duration.optional(),
  maxEjected: percent.optional(),
});

export const methodSettingsSchema = z.strictObject({
  timeout: duration.optional(),
  balance: balanceSchema.optional(),
  retry: retrySchema.optional(),
  breaker: breakerSchema.optional(),
});

const match = z.strictObject({
  headers: z.record(z.string(), z.string()).optional(),
  callers: z.array(name).optional(),
  methods: z.array(name).optional(),
});

export const routeSchema = z.strictObject({
  match: match.optional(),
  /** subset name → weight; weights sum to 100. */
  to: z.record(z.string(), z.number().int().min(0).max(100)),
});

export const faultSchema = z.strictObject({
  match: match.optional(),
  delay: z.strictObject({ ms: z.number().int().min(0), percent: z.number().min(0).max(100) }).optional(),
  abort: z.strictObject({ code, percent: z.number().min(0).max(100) }).optional(),
  /** A duration when applied; the control plane stores the absolute time in `expiresAt`. */
  expires: duration,
  /** Set by the control plane at apply time (ISO 8601); never written by operators. */
  expiresAt: z.string().optional(),
});

export const accessSchema = z.strictObject({
  mode: z.enum(['enforce', 'audit']).optional(),
  allow: z.array(z.strictObject({ callers: z.array(name).min(1), methods: z.array(name).min(1) })),
});

export const quotaSchema = z.strictObject({
  caller: name,
  methods: z.array(name).min(1).optional(),
  limit: z.number().int().min(0),
  per: z.enum(['second', 'minute', 'hour', 'day']),
});

export const rateLimitSchema = z.strictObject({
  perInstance: rate.optional(),
  perCaller: z.record(z.string(), rate).optional(),
  /** Burst size in calls; default one second's worth of the rate. */
  burst: z.number().int().min(1).optional(),
});

export const policyDocumentSchema = z.strictObject({
  service: name,
  subsets: z.record(z.string().regex(/^[\w.-]+$/), z.record(z.string(), z.string())).optional(),
  defaults: methodSettingsSchema.optional(),
  methods: z.record(z.string(), methodSettingsSchema).optional(),
  routes: z.array(routeSchema).optional(),
  faults: z.array(faultSchema).optional(),
  access: accessSchema.optional(),
  quotas: z.array(quotaSchema).optional(),
  rateLimit: rateLimitSchema.optional(),
});

export type PolicyDocument = z.output<typeof policyDocumentSchema>;
export type MethodSettings = z.output<typeof methodSettingsSchema>;
