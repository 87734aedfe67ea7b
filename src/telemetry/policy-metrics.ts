/**
 * Counters of what policy did on this sidecar: retries, budget exhaustion, ejections, injected
 * faults, the subset calls went to, and the policy revision each service runs. Label values are
 * service names from the IDL, subset names from policies and provider addresses from discovery,
 * so the series stay bounded by what the mesh holds, never by what an app sends.
 */
export class PolicyMetrics {
  private readonly counters = new Map<string, Counter>();
  private readonly revisions = new Map<string, number>();

  /** One retry of a call to `service`; `reason` is `not_sent` or the code retried on. */
  retry(service: string, reason: string): void {
    this.inc('transmesh_retries_total', ['service', 'reason'], service, reason);
  }

  /** A retry the budget did not allow. */
  budgetExhausted(service: string): void {
    this.inc('transmesh_retry_budget_exhausted_total', ['service'], service);
  }

  /** The breaker ejected a provider (host:port of its sidecar). */
  ejection(provider: string): void {
    this.inc('transmesh_ejections_total', ['provider'], provider);
  }

  fault(service: string, kind: 'delay' | 'abort', code: string): void {
    this.inc('transmesh_faults_injected_total', ['service', 'kind', 'code'], service, kind, code);
  }

  /** A call routed to `subset` (`(all)` when no route matched). */
  subset(service: string, subset: string): void {
    this.inc('transmesh_subset_calls_total', ['service', 'subset'], service, subset);
  }

  /** The revisions in force, replaced whole with each policy snapshot. */
  setRevisions(revisions: Iterable<readonly [string, number]>): void {
    this.revisions.clear();
    for (const [service, revision] of revisions) this.revisions.set(service, revision);
  }

  /** Current value of one counter by its rendered labels (`service="a",subset="b"`), for tests. */
  value(name: string, labels: string): number {
    for (const c of this.counters.values()) if (c.name === name && renderLabels(c) === labels) return c.value;
    return 0;
  }

  render(): string {
    const out: string[] = [];
    const byName = new Map<string, Counter[]>();
    for (const c of this.counters.values()) {
      const list = byName.get(c.name) ?? [];
      list.push(c);
      byName.set(c.name, list);
    }
    for (const [name, list] of byName) {
      out.push(`# HELP ${name} ${help[name]}`, `# TYPE ${name} counter`);
      for (const c of list) out.push(`${name}{${renderLabels(c)}} ${c.value}`);
    }
    out.push('# HELP transmesh_policy_revision The policy revision each service runs on this sidecar.', '# TYPE transmesh_policy_revision gauge');
    for (const [service, revision] of this.revisions) out.push(`transmesh_policy_revision{service="${escapeLabel(service)}"} ${revision}`);
    return out.join('\n') + '\n';
  }

  /** Counts one event; the key is plain concatenation (the subset counter runs on every call), escaping waits for render. */
  private inc(name: string, labelNames: readonly string[], ...values: string[]): void {
    const key = values.length === 1 ? `${name}\u0000${values[0]}` : `${name}\u0000${values.join('\u0000')}`;
    const c = this.counters.get(key);
    if (c) c.value++;
    else this.counters.set(key, { name, labelNames, values, value: 1 });
  }
}

interface Counter {
  readonly name: string;
  readonly labelNames: readonly string[];
  readonly values: readonly string[];
  value: number;
}

function renderLabels(c: Counter): string {
  return c.labelNames.map((n, i) => `${n}="${escapeLabel(c.values[i])}"`).join(',');
}

const help: Record<string, string> = {
  transmesh_retries_total: 'Retries by the outbound stack, by reason (not_sent or the code retried on).',
  transmesh_retry_budget_exhausted_total: 'Retries refused because the retry budget of the service was spent.',
  transmesh_ejections_total: 'Providers ejected by the circuit breaker.',
  transmesh_faults_injected_total: 'Delays and aborts injected by policy faults.',
  transmesh_subset_calls_total: 'Calls by the subset a policy route sent them to ((all) when no route matched).',
};

/** A Prometheus label value, escaped. */
export function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
