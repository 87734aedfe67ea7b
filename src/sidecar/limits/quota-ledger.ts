import { randomUUID } from 'node:crypto';
import type { LeaseSource, QuotaKey } from '../../policy/quota-lease';
import type { Quota } from '../../policy/service-policy';
import { secondsToWindowEnd, windowStart } from '../../policy/quota-window';

export interface LedgerHooks {
  /** The store could not be reached: the sidecar counts alone on an even share of what was left. */
  degraded?(key: QuotaKey, share: number, err: unknown): void;
  recovered?(key: QuotaKey): void;
}

interface State {
  key: QuotaKey;
  /** Leased calls this sidecar may still admit in the window (already counted in the store). */
  tokens: number;
  /** While degraded: the even share of what was left, counted only here until the store is back. */
  share: number;
  /** Mesh-wide remainder after the last grant this sidecar saw. */
  remaining: number;
  lastGrant: number;
  pending: Promise<void> | undefined;
  exhausted: boolean;
  degraded: boolean;
  /** Admitted while degraded, not yet added to the store. */
  unsettled: number;
  /** The settle in progress: retried with the same id until the store confirms it, so it never counts twice. */
  batch: { readonly id: string; readonly amount: number } | undefined;
  lastRetry: number;
  /** Calls waiting for the next lease. */
  waiting: number;
  /** Replaced (a new window or limit) or forgotten: a quota object that still points at it looks again. */
  retired: boolean;
}

/** How much of what is left one lease takes: an eighth, so the share shrinks as the total runs low (1 near the end). */
export function leaseSize(remaining: number): number {
  return remaining <= 0 ? 0 : Math.max(1, Math.floor(remaining / 8));
}

/**
 * A consumer sidecar's side of mesh-wide quotas (docs/policy.md, Quotas). Each sidecar of the
 * calling app takes leases of what is left in the window and admits calls locally against them;
 * while the store answers, the calls admitted mesh-wide never exceed the limit. When the store
 * does not answer, the sidecar falls back to an even share (what was left / live sidecars of the
 * app) and adds what it admitted once the store is back.
 */
export class QuotaLedger {
  private readonly states = new Map<string, State>();
  /** The state a compiled quota last used: per call, no key string to build and hash. A quota object has one service and caller. */
  private readonly byQuota = new WeakMap<Quota, State>();
  /** Names this ledger's settle batches. */
  private readonly nonce = randomUUID().slice(0, 8);
  private batches = 0;

  constructor(
    private readonly source: LeaseSource,
    /** Live consumer sidecars of an app (from discovery), at least 1. */
    private readonly peers: (caller: string) => number,
    private readonly now: () => number = Date.now,
    private readonly hooks: LedgerHooks = {},
  ) {}

  /**
   * 0 when the call is admitted, else `retry-after` seconds. A Promise only when this sidecar's
   * lease ran dry and the next one must come from the store first.
   */
  check(service: string, quotaId: string, q: Quota, caller: string): number | Promise<number> {
    const now = this.now();
    const st = this.state(service, quotaId, q, caller, now);
    if (this.admit(st)) {
      if (st.pending || st.exhausted) return 0;
      if (!st.degraded) {
        if (st.tokens <= st.lastGrant / 2) void this.fetch(st);
      } else if (now - st.lastRetry >= 1000) {
        // Counting alone on a share: try the store once a second, so counting is mesh-wide again soon after it returns.
        void this.fetch(st);
      }
      return 0;
    }
    if (st.exhausted) return secondsToWindowEnd(now, q.per);
    if (st.degraded) {
      // Try the store again now and then; until it answers, the share is all there is.
      if (!st.pending && now - st.lastRetry >= 1000) void this.fetch(st);
      return secondsToWindowEnd(now, q.per);
    }
    return this.waitForLease(service, quotaId, q, caller);
  }

  /** This sidecar's lease ran dry: wait for the next one (calls waiting together ask for enough for all). */
  private async waitForLease(service: string, quotaId: string, q: Quota, caller: string): Promise<number> {
    for (;;) {
      const st = this.state(service, quotaId, q, caller, this.now());
      if (this.admit(st)) return 0;
      if (st.exhausted || st.degraded) return secondsToWindowEnd(this.now(), q.per);
      st.waiting++;
      try {
        await (st.pending ?? this.fetch(st));
      } finally {
        st.waiting--;
      }
    }
  }

  private admit(st: State): boolean {
    if (st.tokens > 0) {
      st.tokens--;
      return true;
    }
    if (st.share > 0) {
      st.share--;
      st.unsettled++;
      return true;
    }
    return false;
  }

  /** What each quota looks like from here, for metrics: mesh-wide remainder as last seen and local tokens. */
  list(): Array<{ key: QuotaKey; remaining: number; tokens: number; degraded: boolean }> {
    return [...this.states.values()].map((s) => ({ key: s.key, remaining: s.remaining, tokens: s.tokens + s.share, degraded: s.degraded }));
  }

  /** Forgets quotas no longer in any policy. */
  retain(live: (service: string, quotaId: string) => boolean): void {
    for (const [k, s] of this.states) {
      if (live(s.key.service, s.key.quotaId)) continue;
      s.retired = true;
      this.states.delete(k);
    }
  }

  private state(service: string, quotaId: string, q: Quota, caller: string, now: number): State {
    const ws = windowStart(now, q.per);
    const last = this.byQuota.get(q);
    if (last !== undefined && last.key.windowStart === ws && last.key.limit === q.limit && last.key.caller === caller && last.key.service === service && !last.retired) return last;
    const id = `${service}\u0000${quotaId}\u0000${caller}`;
    let st = this.states.get(id);
    if (st && st.key.windowStart === ws && st.key.limit === q.limit) {
      this.byQuota.set(q, st);
      return st;
    }
    if (st) st.retired = true;
    if (st?.unsettled) void this.flush(st).catch(() => undefined);
    const key: QuotaKey = { service, quotaId, caller, methods: [...q.methods].sort(), per: q.per, limit: q.limit, windowStart: ws };
    st = { key, tokens: 0, share: 0, remaining: q.limit, lastGrant: 0, pending: undefined, exhausted: q.limit === 0, degraded: false, unsettled: 0, batch: undefined, lastRetry: 0, waiting: 0, retired: false };
    this.states.set(id, st);
    this.byQuota.set(q, st);
    return st;
  }

  /**
   * Adds what was admitted while degraded to the store. A settle whose write landed but whose
   * answer an outage lost is retried with the same batch id, which the store counts once.
   */
  private async flush(st: State): Promise<void> {
    while (st.unsettled > 0) {
      st.batch ??= { id: `${this.nonce}-${++this.batches}`, amount: st.unsettled };
      await this.source.settle(st.key, st.batch.amount, st.batch.id);
      st.unsettled -= st.batch.amount;
      st.batch = undefined;
    }
  }

  private fetch(st: State): Promise<void> {
    st.lastRetry = this.now();
    const p = (async () => {
      try {
        if (st.degraded && st.unsettled) await this.flush(st);
        const grant = await this.source.take(st.key, (left) => Math.min(left, Math.max(leaseSize(left), st.waiting)));
        if (st.degraded) {
          // Back to leases: the fallback share is given up, what the store grants now counts.
          st.degraded = false;
          st.share = 0;
          this.hooks.recovered?.(st.key);
        }
        st.tokens += grant.granted;
        st.lastGrant = grant.granted;
        st.remaining = grant.remaining;
        if (grant.granted === 0) st.exhausted = true;
      } catch (err) {
        if (!st.degraded) {
          st.degraded = true;
          st.share = Math.floor(st.remaining / Math.max(1, this.peers(st.key.caller)));
          this.hooks.degraded?.(st.key, st.share, err);
        }
      } finally {
        st.pending = undefined;
      }
    })();
    st.pending = p;
    return p;
  }
}
