/**
 * Passive health: an endpoint that refused a connection is ejected for a while, so calls stop
 * going to a provider that died before discovery notices (its TTL).
 */
export class EndpointHealth {
  private readonly ejectedUntil = new Map<string, number>();

  constructor(private readonly ejectMs = 5000) {}

  isHealthy(address: string): boolean {
    const until = this.ejectedUntil.get(address);
    if (until === undefined) return true;
    if (Date.now() >= until) {
      this.ejectedUntil.delete(address);
      return true;
    }
    return false;
  }

  eject(address: string): void {
    this.ejectedUntil.set(address, Date.now() + this.ejectMs);
  }

  succeeded(address: string): void {
    if (this.ejectedUntil.size) this.ejectedUntil.delete(address);
  }
}
