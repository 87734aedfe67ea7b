/** One pending timeout of a TimeoutSweep; `cancel()` it once the awaited thing happened. */
export interface SweptTimeout {
  cancel(): void;
}

interface Entry extends SweptTimeout {
  readonly at: number;
  readonly onExpire: () => void;
}

/**
 * Many timeouts of the same length (one per call) checked by one interval instead of a timer
 * each: an add and a cancel are a Set insert and delete, with no Timeout object per call. All
 * entries have the same length, so insertion order is expiry order and a sweep stops at the first
 * that has time left. A timeout fires up to `granularityMs` late; the interval runs only while
 * something is pending and never holds the process open.
 */
export class TimeoutSweep {
  private readonly pending = new Set<Entry>();
  private timer: NodeJS.Timeout | undefined;
  private readonly granularityMs: number;

  constructor(
    private readonly ms: number,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    this.granularityMs = Math.max(10, Math.min(1000, Math.floor(ms / 10)));
  }

  add(onExpire: () => void): SweptTimeout {
    const pending = this.pending;
    const entry: Entry = { at: this.now() + this.ms, onExpire, cancel: () => void pending.delete(entry) };
    pending.add(entry);
    if (!this.timer) {
      this.timer = setInterval(() => this.sweep(), this.granularityMs);
      this.timer.unref();
    }
    return entry;
  }

  get size(): number {
    return this.pending.size;
  }

  /** Fires what is due; public for tests with a fake clock. */
  sweep(): void {
    const now = this.now();
    for (const e of this.pending) {
      if (e.at > now) break;
      this.pending.delete(e);
      e.onExpire();
    }
    if (this.pending.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
