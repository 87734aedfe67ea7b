/** How fast a latency estimate fades toward zero while a provider gets no calls (Linkerd's and Finagle's decay, 10 s). */
const decayMs = 10_000;
/** The latency assumed before this sidecar has seen any answer at all. */
const initialLatencyMs = 1;
/** Latencies below this (a coarse clock reading 0) count as this, so costs stay comparable. */
const minLatencyMs = 0.001;

interface Load {
  inFlight: number;
  /** Peak-sensitive moving average of latency, ms; 0 until the first answer. */
  ewmaMs: number;
  /** When `ewmaMs` was last updated. */
  stamp: number;
}

/**
 * In-flight attempts and recent latency per provider sidecar, as this consumer sees them, for
 * least-loaded balancing. The latency estimate is Linkerd's peak EWMA: a slower answer than the
 * estimate replaces it at once, a faster one pulls it down with a weight that grows with the time
 * since the last answer, and the estimate fades toward zero while the provider gets no calls, so
 * a provider that was slow is tried again after a while rather than starved for ever.
 */
export class LoadStats {
  private readonly byAddress = new Map<string, Load>();
  /** Moving average over every provider: what a provider with calls out but no answer yet is assumed to take. */
  private overallMs = initialLatencyMs;
  private sampled = false;

  begin(address: string): void {
    const l = this.byAddress.get(address);
    if (l) l.inFlight++;
    else this.byAddress.set(address, { inFlight: 1, ewmaMs: 0, stamp: 0 });
  }

  /** An attempt ended; `latencyMs` undefined when it failed before an answer (that time says nothing of the provider's speed). */
  end(address: string, latencyMs: number | undefined, now: number): void {
    const l = this.byAddress.get(address);
    if (!l) return; // pruned while the call was in flight
    l.inFlight--;
    if (latencyMs === undefined) return;
    const ms = Math.max(latencyMs, minLatencyMs);
    if (l.ewmaMs === 0 || ms > l.ewmaMs) l.ewmaMs = ms;
    else {
      const w = Math.exp(-Math.max(now - l.stamp, 0) / decayMs);
      l.ewmaMs = l.ewmaMs * w + ms * (1 - w);
    }
    l.stamp = now;
    this.overallMs = this.sampled ? this.overallMs + 0.3 * (ms - this.overallMs) : ms;
    this.sampled = true;
  }

  /**
   * Expected cost of one more call: latency × (calls in flight + 1). A provider never answered
   * yet costs nothing while idle (a newcomer is tried at once) and counts as average per call
   * it has out, so it is probed rather than flooded.
   */
  cost(address: string, now: number): number {
    const l = this.byAddress.get(address);
    if (!l) return 0;
    if (l.ewmaMs === 0) return this.overallMs * l.inFlight;
    return l.ewmaMs * Math.exp(-Math.max(now - l.stamp, 0) / decayMs) * (l.inFlight + 1);
  }

  prune(live: ReadonlySet<string>): void {
    for (const address of this.byAddress.keys()) if (!live.has(address)) this.byAddress.delete(address);
  }
}
