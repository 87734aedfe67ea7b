import { policyDocumentSchema, type PolicyDocument } from '../policy/policy-document';
import type { PolicyStore } from '../registry/policy-store';
import type { EndpointRecord } from '../registry/records';
import { sidecarName } from '../discovery/live-sidecars';

/** One service's policy as the dashboard shows it: one row per service, never per storage key. */
export interface PolicyRow {
  service: string;
  revision: number;
  /** When the current revision became current (ISO 8601): its apply, or the rollback to it. */
  appliedAt: string;
  /** How it became current: `policy apply`, or `policy rollback` to an older revision. */
  how: 'policy apply' | 'policy rollback';
  /** Who asked (`user@host`), when the CLI said. */
  by: string | null;
  revisions: number[];
  /** Each route in force, readable: `callers=a,b → stable 90% · canary 10%`. */
  routes: string[];
  /** Other parts the document sets (`access`, `quotas`, `faults`, …). */
  sets: string[];
  /** `<app>/<instance>` of every live sidecar that runs the current revision. */
  running: string[];
  /** Live sidecars that run another revision (or none), with the error one reported. */
  behind: Array<{ sidecar: string; revision: number | null; error?: string }>;
}

/** Every service's policy, with which live sidecars run its current revision. */
export async function policyRows(store: PolicyStore, sidecars: readonly EndpointRecord[]): Promise<PolicyRow[]> {
  const rows: PolicyRow[] = [];
  for (const p of await store.list()) {
    let doc: PolicyDocument | undefined;
    try {
      const parsed = policyDocumentSchema.safeParse((await store.doc(p.service, p.revision)).document);
      if (parsed.success) doc = parsed.data;
    } catch {
      // A head without its document: the row still says which revision is current.
    }
    const running: string[] = [];
    const behind: PolicyRow['behind'] = [];
    for (const rec of sidecars) {
      const runs = rec.policies[p.service];
      if (runs === p.revision) running.push(sidecarName(rec));
      else behind.push({ sidecar: sidecarName(rec), revision: runs ?? null, ...(rec.policyErrors[p.service] ? { error: rec.policyErrors[p.service].error } : {}) });
    }
    rows.push({
      service: p.service,
      revision: p.revision,
      appliedAt: p.lastChange?.at ?? p.appliedAt,
      // Heads from older control planes do not say: a current revision below the newest was rolled back to.
      how: (p.lastChange?.how ?? (p.revision === Math.max(...p.revisions) ? 'apply' : 'rollback')) === 'apply' ? 'policy apply' : 'policy rollback',
      by: p.lastChange?.by ?? null,
      revisions: p.revisions,
      routes: doc ? describeRoutes(doc) : [],
      sets: doc ? (['defaults', 'methods', 'faults', 'access', 'quotas', 'rateLimit'] as const).filter((k) => doc[k] !== undefined) : [],
      running,
      behind,
    });
  }
  return rows;
}

/** Routes as one line each: the match, then each subset's weight (the canary split). */
export function describeRoutes(doc: PolicyDocument): string[] {
  return (doc.routes ?? []).map((r) => {
    const m = r.match;
    const when = [
      m?.callers ? `callers=${m.callers.join(',')}` : '',
      m?.methods ? `methods=${m.methods.join(',')}` : '',
      ...Object.entries(m?.headers ?? {}).map(([k, v]) => `${k}=${v}`),
    ].filter(Boolean);
    const to = Object.entries(r.to)
      .map(([subset, weight]) => `${subset} ${weight}%`)
      .join(' · ');
    return `${when.length ? when.join(' ') : 'all calls'} → ${to}`;
  });
}
