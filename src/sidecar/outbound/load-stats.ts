/** Weight of the newest latency sample in the moving average. */
const alpha = 0.3;
/** What a provider with no sample yet is assumed to take, so new providers get tried soon. */
const unknownLatencyMs = 1;

interface Load {
  inFlight: number;
  /** Exponentially weighted moving average of latency, ms; 0 until the first sample. */
  ewmaMs: number;
}

/** In-flight attempts and recent latency per provider sidecar, as this consumer sees them. */
export class LoadStats {
  private readonly byAddress = new Map<string, Load>();

  begin(address: string): void {
    const l = this.byAddress.get(address);
    if (l) l.inFlight++;
    else this.byAddress.set(address, { inFlight: 1, ewmaMs: 0 });
  }

  end(address: string, latencyMs: number): void {
    const l = this.byAddress.get(address);
    if (!l) return; // pruned while the call was in flight
    l.inFlight--;
    l.ewmaMs = l.ewmaMs === 0 ? Math.max(latencyMs, 0.001) : l.ewmaMs + alpha * (latencyMs - l.ewmaMs);
  }

  /** Expected cost of one more call (Linkerd's peak-EWMA idea): recent latency × (calls in flight + 1). */
  cost(address: string): number {
    const l = this.byAddress.get(address);
    return l ? (l.ewmaMs || unknownLatencyMs) * (l.inFlight + 1) : unknownLatencyMs;
  }

  prune(live: ReadonlySet<string>): void {
    for (const address of this.byAddress.keys()) if (!live.has(address)) this.byAddress.delete(address);
  }
}
