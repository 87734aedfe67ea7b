import { sampleValue } from './exposition';
import { Counter, Gauge, MetricSet } from './metric-family';

/**
 * Counters of what policy did on this sidecar: retries, budget exhaustion, ejections, injected
 * faults, the subset calls went to, and the policy revision each service runs. Label values are
 * service names from the IDL, subset names from policies and provider addresses from discovery,
 * so the series stay bounded by what the mesh holds, never by what an app sends.
 */
export class PolicyMetrics {
  private readonly set = new MetricSet();
  private readonly retries = this.set.add(new Counter('transmesh_retries_total', 'Retries by the outbound stack, by reason (not_sent or the code retried on).', ['service', 'reason']));
  private readonly exhausted = this.set.add(new Counter('transmesh_retry_budget_exhausted_total', 'Retries refused because the retry budget of the service was spent.', ['service']));
  private readonly ejections = this.set.add(new Counter('transmesh_ejections_total', 'Providers ejected by the circuit breaker.', ['provider']));
  private readonly faults = this.set.add(new Counter('transmesh_faults_injected_total', 'Delays and aborts injected by policy faults.', ['service', 'kind', 'code']));
  private readonly subsets = this.set.add(new Counter('transmesh_subset_calls_total', 'Calls by the subset a policy route sent them to ((all) when no route matched).', ['service', 'subset']));
  private readonly revisions = this.set.add(new Gauge('transmesh_policy_revision', 'The policy revision each service runs on this sidecar.', ['service']));

  /** One retry of a call to `service`; `reason` is `not_sent` or the code retried on. */
  retry(service: string, reason: string): void {
    this.retries.inc(service, reason);
  }

  /** A retry the budget did not allow. */
  budgetExhausted(service: string): void {
    this.exhausted.inc(service);
  }

  /** The breaker ejected a provider (host:port of its sidecar). */
  ejection(provider: string): void {
    this.ejections.inc(provider);
  }

  fault(service: string, kind: 'delay' | 'abort', code: string): void {
    this.faults.inc(service, kind, code);
  }

  /** A call routed to `subset` (`(all)` when no route matched). */
  subset(service: string, subset: string): void {
    this.subsets.inc(service, subset);
  }

  /** The revisions in force, replaced whole with each policy snapshot. */
  setRevisions(revisions: Iterable<readonly [string, number]>): void {
    this.revisions.reset();
    for (const [service, revision] of revisions) this.revisions.set(revision, service);
  }

  /** Current value of one series by its rendered labels (`service="a",subset="b"`), for tests. */
  value(name: string, labels: string): number {
    return sampleValue(this.render(), name, labels);
  }

  render(): string {
    return this.set.render();
  }
}
