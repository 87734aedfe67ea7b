/**
 * Holds the current value of one snapshot. Readers take `current` once per call and keep it,
 * so a swap never changes a call in flight. A failed update simply never calls `swap`.
 */
export class SnapshotCell<T> {
  private value: T;
  private loaded = false;
  private readonly listeners: Array<(v: T) => void> = [];

  constructor(initial: T) {
    this.value = initial;
  }

  get current(): T {
    return this.value;
  }

  /** True once a real snapshot (not the empty initial one) has been swapped in. */
  get isLoaded(): boolean {
    return this.loaded;
  }

  swap(next: T): void {
    this.value = Object.isFrozen(next) ? next : Object.freeze(next);
    this.loaded = true;
    for (const l of this.listeners) l(next);
  }

  onSwap(listener: (v: T) => void): void {
    this.listeners.push(listener);
  }
}
