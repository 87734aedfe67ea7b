import type { LeaseSource, QuotaKey } from '../../src/policy/quota-lease';

/** The store's semantics (one counter per key, grants never past the limit), in memory; `down` makes it unreachable. */
export class MemorySource implements LeaseSource {
  readonly used = new Map<string, number>();
  down = false;
  /** The next settle is stored but its answer is lost, as when NATS goes away in between. */
  loseNextAnswer = false;
  takes = 0;
  private id(k: QuotaKey) {
    return `${k.service}/${k.quotaId}/${k.caller}/${k.windowStart}`;
  }
  async take(key: QuotaKey, size: (remaining: number) => number) {
    this.takes++;
    if (this.down) throw new Error('no responders');
    const used = this.used.get(this.id(key)) ?? 0;
    const granted = Math.min(size(key.limit - used), key.limit - used);
    this.used.set(this.id(key), used + granted);
    return { granted, remaining: key.limit - used - granted };
  }
  readonly settled = new Set<string>();
  async settle(key: QuotaKey, n: number, id: string) {
    if (this.down) throw new Error('no responders');
    if (this.settled.has(id)) return;
    this.settled.add(id);
    this.used.set(this.id(key), (this.used.get(this.id(key)) ?? 0) + n);
    if (this.loseNextAnswer) {
      this.loseNextAnswer = false;
      throw new Error('timeout (the write landed)');
    }
  }
}
