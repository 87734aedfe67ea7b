/** What a cell does with an exception from one of its listeners when it was given no reporter. */
function warn(err: unknown): void {
  process.emitWarning(`a snapshot listener failed: ${(err as Error)?.stack ?? String(err)}`, 'SnapshotListenerError');
}

/**
 * Holds the current value of one snapshot. Readers take `current` once per call and keep it,
 * so a swap never changes a call in flight. A failed update simply never calls `swap`.
 */
export class SnapshotCell<T> {
  private value: T;
  private loaded = false;
  /** Replaced, never changed in place: a listener that unsubscribes during a swap skips no other. */
  private listeners: ReadonlyArray<(v: T) => void> = [];

  /** `onListenerError` hears what a listener threw; the other listeners run all the same. */
  constructor(
    initial: T,
    private readonly onListenerError: (err: unknown) => void = warn,
  ) {
    this.value = initial;
  }

  get current(): T {
    return this.value;
  }

  /** True once a real snapshot (not the empty initial one) has been swapped in. */
  get isLoaded(): boolean {
    return this.loaded;
  }

  /** Listeners subscribed now, for tests. */
  get listenerCount(): number {
    return this.listeners.length;
  }

  swap(next: T): void {
    this.value = Object.isFrozen(next) ? next : Object.freeze(next);
    this.loaded = true;
    for (const l of this.listeners) {
      try {
        l(next);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  /** Calls `listener` with every snapshot swapped in from now on; returns the way to stop. */
  onSwap(listener: (v: T) => void): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }
}
