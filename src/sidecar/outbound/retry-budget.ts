/** The window a retry budget looks back over, in one-second buckets. */
const windowSeconds = 10;

/** The budget of a service without a policy (docs/policy.md: 20% plus 10 a second). */
export const defaultRetryBudget = Object.freeze({ ratio: 0.2, perSecond: 10 });

/**
 * One service's retry budget on this sidecar: retries over the last 10 s may not exceed
 * `ratio` × calls over the last 10 s plus `perSecond` × 10, so retries cannot storm a struggling
 * service. Counts sit in ten one-second buckets that slide with the clock.
 */
export class RetryBudget {
  private readonly calls = new Float64Array(windowSeconds);
  private readonly retries = new Float64Array(windowSeconds);
  /** The second (since the epoch) the newest bucket holds. */
  private head = 0;

  call(now: number): void {
    this.calls[this.slide(now)]++;
  }

  /** Takes one retry from the budget if there is room; false when it is spent. */
  tryRetry(now: number, budget: { readonly ratio: number; readonly perSecond: number }): boolean {
    const i = this.slide(now);
    let calls = 0;
    let retries = 0;
    for (let b = 0; b < windowSeconds; b++) {
      calls += this.calls[b];
      retries += this.retries[b];
    }
    if (retries + 1 > budget.ratio * calls + budget.perSecond * windowSeconds) return false;
    this.retries[i]++;
    return true;
  }

  /** Moves the window to `now`, emptying the buckets of seconds that passed; returns the current bucket. */
  private slide(now: number): number {
    const second = Math.floor(now / 1000);
    if (second !== this.head) {
      const passed = Math.min(Math.max(second - this.head, 0), windowSeconds);
      for (let s = 1; s <= passed; s++) {
        const b = (this.head + s) % windowSeconds;
        this.calls[b] = 0;
        this.retries[b] = 0;
      }
      if (second > this.head) this.head = second;
    }
    return this.head % windowSeconds;
  }
}
