import { policyDocumentSchema, type PolicyDocument } from '../policy/policy-document';
import type { PolicyStore } from '../registry/policy-store';

/**
 * The methods a service's current policy names, with where it names them: a push may not
 * remove one (the sidecars would refuse the policy, or route a method that no longer exists).
 */
export async function methodsNamedByPolicy(store: PolicyStore, service: string): Promise<Map<string, string>> {
  const head = await store.head(service);
  const out = new Map<string, string>();
  if (!head) return out;
  const rec = await store.doc(service, head.current);
  const parsed = policyDocumentSchema.safeParse(rec.document);
  if (!parsed.success) return out;
  for (const [method, path] of namedMethods(parsed.data)) {
    if (!out.has(method)) out.set(method, `the policy of ${service} (revision ${head.current}, ${path})`);
  }
  return out;
}

/** Each method a document names, with its path in the document; `*` (every method) names none. */
export function namedMethods(doc: PolicyDocument): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const name of Object.keys(doc.methods ?? {})) out.push([name, `methods.${name}`]);
  (doc.routes ?? []).forEach((r, i) => (r.match?.methods ?? []).forEach((m) => out.push([m, `routes[${i}].match.methods`])));
  (doc.faults ?? []).forEach((f, i) => (f.match?.methods ?? []).forEach((m) => out.push([m, `faults[${i}].match.methods`])));
  (doc.access?.allow ?? []).forEach((a, i) => a.methods.forEach((m) => out.push([m, `access.allow[${i}].methods`])));
  (doc.quotas ?? []).forEach((q, i) => (q.methods ?? []).forEach((m) => out.push([m, `quotas[${i}].methods`])));
  return out.filter(([m]) => m !== '*');
}
