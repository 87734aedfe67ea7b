/** Weight of the newest latency sample in the moving average. */
const alpha = 0.3;
/** The latency assumed before this sidecar has seen any answer at all. */
const initialLatencyMs = 1;
/** Latencies below this (a coarse clock reading 0) count as this, so costs stay comparable. */
const minLatencyMs = 0.001;

interface Load {
  inFlight: number;
  /** Exponentially weighted moving average of latency, ms; 0 until the first sample. */
  ewmaMs: number;
}

/** In-flight attempts and recent latency per provider sidecar, as this consumer sees them. */
export class LoadStats {
  private readonly byAddress = new Map<string, Load>();
  /** Moving average over every provider: what a provider with no sample yet is assumed to take (neither favoured nor shunned). */
  private overallMs = initialLatencyMs;
  private sampled = false;

  begin(address: string): void {
    const l = this.byAddress.get(address);
    if (l) l.inFlight++;
    else this.byAddress.set(address, { inFlight: 1, ewmaMs: 0 });
  }

  end(address: string, latencyMs: number): void {
    const l = this.byAddress.get(address);
    if (!l) return; // pruned while the call was in flight
    l.inFlight--;
    const ms = Math.max(latencyMs, minLatencyMs);
    l.ewmaMs = l.ewmaMs === 0 ? ms : l.ewmaMs + alpha * (ms - l.ewmaMs);
    this.overallMs = this.sampled ? this.overallMs + alpha * (ms - this.overallMs) : ms;
    this.sampled = true;
  }

  /** Expected cost of one more call (Linkerd's peak-EWMA idea): recent latency × (calls in flight + 1). */
  cost(address: string): number {
    const l = this.byAddress.get(address);
    return l ? (l.ewmaMs || this.overallMs) * (l.inFlight + 1) : this.overallMs;
  }

  prune(live: ReadonlySet<string>): void {
    for (const address of this.byAddress.keys()) if (!live.has(address)) this.byAddress.delete(address);
  }
}
