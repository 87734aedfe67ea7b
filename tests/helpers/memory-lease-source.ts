import type { LeaseSource, QuotaKey } from '../../src/policy/quota-lease';

/** The store's semantics (one counter per key, grants never past the limit), in memory; `down` makes it unreachable. */
export class MemorySource implements LeaseSource {
  readonly used = new Map<string, number>();
  down = false;
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
  async settle(key: QuotaKey, n: number) {
    if (this.down) throw new Error('no responders');
    this.used.set(this.id(key), (this.used.get(this.id(key)) ?? 0) + n);
  }
}
