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
  const parsed = policyDocumentSchema.safeParse(yamlDoc.toJS());
  if (!parsed.success) return { ok: false, problems: zodProblems(parsed.error), warnings: [] };
  const doc = parsed.data;
  const problems: string[] = [];
  const warnings: string[] = [];
  const problem = (path: ReadonlyArray<PropertyKey>, message: string) => problems.push(`${formatPath(path)}: ${message}`);

  for (const key of Object.keys(doc) as Array<keyof PolicyDocument>) {
    if (doc[key] !== undefined && !supportedSections.has(key)) problem([key], 'not supported yet');
  }

  const methods = await ctx.methods(doc.service);
  if (!methods) problem(['service'], `no service ${doc.service} in the IDL registry (push its IDL first)`);
  const knownMethod = (path: ReadonlyArray<PropertyKey>, name: string, star = false) => {
    if (methods && !methods.has(name) && !(star && name === '*')) problem(path, `no method ${name} in ${doc.service}`);
  };

  for (const [name, settings] of Object.entries(doc.methods ?? {})) {
    knownMethod(['methods', name], name);
    if (settings.retry?.budget !== undefined) problem(['methods', name, 'retry', 'budget'], 'a retry budget is set only in defaults (one budget per service)');
    if (settings.retry?.on?.length && methods?.has(name) && !methods.get(name)!.idempotent) {
      problem(['methods', name, 'retry', 'on'], `${name} is not idempotent in the IDL, so only calls that never reached a provider may be retried (mark it idempotent: idempotency_level in .proto, (transmesh.idempotent = "true") in .thrift)`);
    }
  }

  const subsets = doc.subsets ?? {};
  (doc.routes ?? []).forEach((r, i) => {
    (r.match?.methods ?? []).forEach((m, j) => knownMethod(['routes', i, 'match', 'methods', j], m));
    let sum = 0;
    for (const [name, weight] of Object.entries(r.to)) {
      sum += weight;
      if (!Object.hasOwn(subsets, name)) problem(['routes', i, 'to', name], `no subset ${name}`);
    }
    if (sum !== 100) problem(['routes', i, 'to'], `weights sum to ${sum}, not 100`);
  });

  (doc.faults ?? []).forEach((f, i) => {
    (f.match?.methods ?? []).forEach((m, j) => knownMethod(['faults', i, 'match', 'methods', j], m));
    if (f.expiresAt !== undefined) problem(['faults', i, 'expiresAt'], 'set by the control plane when the document is applied; give `expires` (a duration)');
    if (!f.delay && !f.abort) problem(['faults', i], 'needs a delay, an abort or both');
  });

  (doc.access?.allow ?? []).forEach((a, i) => a.methods.forEach((m, j) => knownMethod(['access', 'allow', i, 'methods', j], m, true)));
  (doc.quotas ?? []).forEach((q, i) => {
    (q.methods ?? []).forEach((m, j) => knownMethod(['quotas', i, 'methods', j], m));
    if (!appName.test(q.caller)) problem(['quotas', i, 'caller'], `"${q.caller}" is not an app name (letters, digits, . _ - only)`);
  });
  for (const caller of Object.keys(doc.rateLimit?.perCaller ?? {})) {
    if (!appName.test(caller)) problem(['rateLimit', 'perCaller', caller], `"${caller}" is not an app name (letters, digits, . _ - only)`);
  }

  if (problems.length) return { ok: false, problems, warnings };

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
