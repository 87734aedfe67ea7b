import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { parseDuration, policyDocumentSchema, type PolicyDocument } from '../policy/policy-document';
import type { MethodFlags } from '../policy/compile-policy';

/**
 * Validation of a policy document beyond its shape: against the IDL registry (the service and
 * every method it names exist, retry codes only on idempotent methods) and discovery (subsets).
 * Every problem is collected with its place (`routes[2].to.v3: no subset v3`) so an operator
 * fixes them all in one go; a document with any problem is refused whole.
 */

/** The sections `apply` accepts today; the rest have issues of their own and are refused until they land. */
export const supportedSections: ReadonlySet<keyof PolicyDocument> = new Set<keyof PolicyDocument>([
  'service',
  'subsets',
  'defaults',
  'methods',
  'routes',
  'faults',
  'access',
  'quotas',
  'rateLimit',
]);

/** What a sidecar's `--app` may be (src/config/sidecar-config.ts): a caller named otherwise never calls. */
const appName = /^[\w.-]+$/;

export interface ValidationContext {
  /** The service's methods in its current IDL, or undefined when the registry does not know it. */
  methods(service: string): Promise<MethodFlags | undefined>;
  /** Labels of every live provider sidecar of the service. */
  providerLabels(service: string): Promise<ReadonlyArray<Readonly<Record<string, string>>>>;
}

export interface Validated {
  service: string;
  /** The YAML to store: the operator's text with each fault's absolute `expiresAt` filled in. */
  yaml: string;
  document: PolicyDocument;
}

export type ValidationResult = { ok: true; value: Validated; warnings: string[] } | { ok: false; problems: string[]; warnings: string[] };

/** `['routes', 2, 'to', 'v3']` → `routes[2].to.v3`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out;
}

function zodProblems(error: z.ZodError): string[] {
  const out: string[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push(`${formatPath([...issue.path, key])}: unknown field`);
    } else {
      out.push(`${formatPath(issue.path) || '(document)'}: ${issue.message}`);
    }
  }
  return out;
}

export async function validatePolicy(fileName: string, text: string, ctx: ValidationContext, now = Date.now()): Promise<ValidationResult> {
  // YAML 1.2 (core schema): `on` is a plain key, not a boolean. JSON is YAML too.
  const yamlDoc = parseDocument(text, { version: '1.2', uniqueKeys: true, prettyErrors: true });
  if (yamlDoc.errors.length) {
    const problems = yamlDoc.errors.map((e) => {
      const pos = e.linePos?.[0];
      const message = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      return `${fileName}${pos ? `:${pos.line}:${pos.col}` : ''}: ${message}`;
    });
    return { ok: false, problems, warnings: [] };
  }
  // The shape and the meaning are checked together, so one refusal names every problem: the
  // semantic checks read the document as written, skipping only values of the wrong type.
  const raw: unknown = yamlDoc.toJS();
  const parsed = policyDocumentSchema.safeParse(raw);
  const problems = parsed.success ? [] : zodProblems(parsed.error);
  const warnings: string[] = [];
  await semanticProblems(raw, ctx, (path, message) => problems.push(`${formatPath(path)}: ${message}`));
  if (!parsed.success || problems.length) return { ok: false, problems, warnings };
  const doc = parsed.data;
  const subsets = doc.subsets ?? {};

  // Teams apply before they deploy: a subset nothing matches yet is a warning, not a refusal.
  // Only a warning depends on discovery, so a discovery that cannot be read does not refuse the policy.
  let live: ReadonlyArray<Readonly<Record<string, string>>> = [];
  let unchecked: string | undefined;
  if (Object.keys(subsets).length) {
    try {
      live = await ctx.providerLabels(doc.service);
    } catch (err) {
      unchecked = (err as Error)?.message ?? String(err);
      warnings.push(`subsets: not checked against live providers (discovery could not be read: ${unchecked})`);
    }
  }
  for (const [name, want] of unchecked === undefined ? Object.entries(subsets) : []) {
    const matches = live.some((labels) => Object.entries(want).every(([k, v]) => labels[k] === v));
    if (!matches) warnings.push(`subsets.${name}: matches no live provider of ${doc.service} (calls routed to it get UNAVAILABLE until one starts)`);
  }

  // Faults expire at an absolute time, fixed now, so a rollback never revives an expired one.
  (doc.faults ?? []).forEach((f, i) => {
    const at = new Date(now + parseDuration(f.expires)!).toISOString();
    f.expiresAt = at;
    yamlDoc.setIn(['faults', i, 'expiresAt'], at);
  });
  // Stored as the operator wrote it; re-printed (comments kept) only when expiry times were filled in.
  const yaml = doc.faults?.length ? yamlDoc.toString({ flowCollectionPadding: false }) : text;
  return { ok: true, value: { service: doc.service, yaml, document: doc }, warnings };
}

type Problem = (path: ReadonlyArray<PropertyKey>, message: string) => void;

/** A mapping as written, or nothing to check when the value is of another type (the schema names that). */
function fields(v: unknown): Readonly<Record<string, unknown>> {
  return isMapping(v) ? v : {};
}

function isMapping(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function items(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

/** What the registry and the document's own cross-references decide: methods, subsets, weights, sections. */
async function semanticProblems(raw: unknown, ctx: ValidationContext, problem: Problem): Promise<void> {
  const doc = fields(raw);
  for (const key of Object.keys(doc)) {
    if (doc[key] !== undefined && Object.hasOwn(policyDocumentSchema.shape, key) && !supportedSections.has(key as keyof PolicyDocument)) problem([key], 'not supported yet');
  }

  const service = typeof doc.service === 'string' && doc.service !== '' ? doc.service : undefined;
  const methods = service === undefined ? undefined : await ctx.methods(service);
  if (service !== undefined && !methods) problem(['service'], `no service ${service} in the IDL registry (push its IDL first)`);
  const knownMethod = (path: ReadonlyArray<PropertyKey>, name: unknown, star = false) => {
    if (methods && typeof name === 'string' && !methods.has(name) && !(star && name === '*')) problem(path, `no method ${name} in ${service}`);
  };
  const matchedMethods = (match: unknown, path: ReadonlyArray<PropertyKey>) => items(fields(match).methods).forEach((m, j) => knownMethod([...path, j], m));

  for (const [name, settings] of Object.entries(fields(doc.methods))) {
    knownMethod(['methods', name], name);
    const retry = fields(fields(settings).retry);
    if (retry.budget !== undefined) problem(['methods', name, 'retry', 'budget'], 'a retry budget is set only in defaults (one budget per service)');
    if (items(retry.on).length && methods?.get(name)?.idempotent === false) {
      problem(['methods', name, 'retry', 'on'], `${name} is not idempotent in the IDL, so only calls that never reached a provider may be retried (mark it idempotent: idempotency_level in .proto, (transmesh.idempotent = "true") in .thrift)`);
    }
  }

  const subsets = fields(doc.subsets);
  items(doc.routes).forEach((r, i) => {
    const route = fields(r);
    matchedMethods(route.match, ['routes', i, 'match', 'methods']);
    if (!isMapping(route.to)) return;
    let sum = 0;
    for (const [name, weight] of Object.entries(route.to)) {
      sum += typeof weight === 'number' ? weight : NaN;
      if (!Object.hasOwn(subsets, name)) problem(['routes', i, 'to', name], `no subset ${name}`);
    }
    if (!Number.isNaN(sum) && sum !== 100) problem(['routes', i, 'to'], `weights sum to ${sum}, not 100`);
  });

  items(doc.faults).forEach((fault, i) => {
    if (!isMapping(fault)) return;
    matchedMethods(fault.match, ['faults', i, 'match', 'methods']);
    if (fault.expiresAt !== undefined) problem(['faults', i, 'expiresAt'], 'set by the control plane when the document is applied; give `expires` (a duration)');
    if (!fault.delay && !fault.abort) problem(['faults', i], 'needs a delay, an abort or both');
  });

  items(fields(doc.access).allow).forEach((a, i) => items(fields(a).methods).forEach((m, j) => knownMethod(['access', 'allow', i, 'methods', j], m, true)));
  items(doc.quotas).forEach((q, i) => {
    const quota = fields(q);
    items(quota.methods).forEach((m, j) => knownMethod(['quotas', i, 'methods', j], m));
    if (typeof quota.caller === 'string' && !appName.test(quota.caller)) problem(['quotas', i, 'caller'], `"${quota.caller}" is not an app name (letters, digits, . _ - only)`);
  });
  for (const caller of Object.keys(fields(fields(doc.rateLimit).perCaller))) {
    if (!appName.test(caller)) problem(['rateLimit', 'perCaller', caller], `"${caller}" is not an app name (letters, digits, . _ - only)`);
  }
}
