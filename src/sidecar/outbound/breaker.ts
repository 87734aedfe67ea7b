import type { BreakerSettings } from '../../policy/service-policy';
import type { Endpoint } from '../../snapshot/snapshots';
import type { PolicyMetrics } from '../../telemetry/policy-metrics';

/** Longest an ejection grows to by doubling (Envoy's max_ejection_time), unless `ejectFor` itself is longer. */
export const maxEjectMs = 300_000;

interface ProviderState {
  /** Consecutive failures since the last success or ejection. */
  failures: number;
  /** Ejections since the last success: the next one lasts ejectFor × 2^ejections. */
  ejections: number;
  /** Absolute time the current ejection ends (0 = never ejected since the last success). */
  until: number;
  /** How long the last ejection lasted. */
  lastMs: number;
}

/**
 * The circuit breaker's state, per provider sidecar (host:port), kept by this consumer sidecar:
 * consecutive failures eject a provider for `ejectFor`, doubling while it keeps failing (a
 * failure soon after it is back ejects it again), and reset by a success or by staying back
 * as long as it was out without a failure. Never more than
 * `maxEjected` of a pool is out at once, and at least one provider stays. The state belongs to
 * providers, not to policy revisions, so a new revision keeps ejections of providers still
 * present; providers that leave discovery are pruned.
 */
export class Breaker {
  private readonly state = new Map<string, ProviderState>();
  /** The latest end of any ejection: past it, nothing is ejected and `admit` costs one comparison. */
  private latestUntil = 0;

  constructor(private readonly metrics: PolicyMetrics) {}

  isEjected(address: string, now: number): boolean {
    const s = this.state.get(address);
    return s !== undefined && s.until > now;
  }

  /** The providers of `pool` calls may go to now: those not ejected, plus the soonest back if the cap is exceeded. */
  admit(pool: readonly Endpoint[], settings: BreakerSettings, now: number): readonly Endpoint[] {
    if (now >= this.latestUntil) return pool;
    const ejected = pool.filter((e) => this.isEjected(e.address, now));
    if (ejected.length === 0) return pool;
    // Ejections made for another subset (or a pool that shrank) may exceed this pool's cap: let the soonest back first.
    const excess = ejected.length - allowedEjections(pool.length, settings);
    if (excess > 0) ejected.sort((a, b) => this.state.get(a.address)!.until - this.state.get(b.address)!.until).splice(0, excess);
    return ejected.length === 0 ? pool : pool.filter((e) => !ejected.includes(e));
  }

  succeeded(address: string): void {
    if (this.state.size > 0) this.state.delete(address);
  }

  /** A failure of `address` while calls chose among `pool`. */
  failed(address: string, pool: readonly Endpoint[], settings: BreakerSettings, now: number): void {
    let s = this.state.get(address);
    if (!s) this.state.set(address, (s = { failures: 0, ejections: 0, until: 0, lastMs: 0 }));
    if (s.until > now) return; // an answer from before it was ejected
    // Back for as long as it was out without failing (and no call to prove it healthy): forgive the doubling.
    if (s.ejections > 0 && now - s.until >= s.lastMs) s.ejections = 0;
    s.failures++;
    const keepsFailing = s.ejections > 0;
    if (!keepsFailing && s.failures < settings.consecutiveFailures) return;
    const ejectedInPool = pool.reduce((n, e) => n + (e.address !== address && this.isEjected(e.address, now) ? 1 : 0), 0);
    if (ejectedInPool + 1 > allowedEjections(pool.length, settings)) return;
    const ms = Math.min(settings.ejectForMs * 2 ** s.ejections, Math.max(settings.ejectForMs, maxEjectMs));
    s.ejections++;
    s.failures = 0;
    s.until = now + ms;
    s.lastMs = ms;
    if (s.until > this.latestUntil) this.latestUntil = s.until;
    this.metrics.ejection(address);
  }

  /** Forgets providers that left the endpoints snapshot. */
  prune(live: ReadonlySet<string>): void {
    for (const address of this.state.keys()) if (!live.has(address)) this.state.delete(address);
  }

  /** Ejected providers and when they come back, for /debug/snapshot. */
  ejected(now: number): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [address, s] of this.state) if (s.until > now) out[address] = new Date(s.until).toISOString();
    return out;
  }
}

/** How many of a pool of `n` may be ejected at once: `maxEjected` of it, always leaving one. */
function allowedEjections(n: number, settings: BreakerSettings): number {
  return Math.min(Math.floor(settings.maxEjected * n + 1e-9), n - 1);
}
