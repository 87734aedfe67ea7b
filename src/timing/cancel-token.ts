/**
 * Cancellation of one call, cheaper than an AbortController (which costs an EventTarget per
 * call on the hot path): one callback at most, set by the transport that can act on it.
 */
export class CancelToken {
  cancelled = false;
  private onCancel: (() => void) | undefined;

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    const cb = this.onCancel;
    this.onCancel = undefined;
    cb?.();
  }

  /** Registers the one thing to do on cancel; returns false when it is too late. */
  set(cb: (() => void) | undefined): boolean {
    if (this.cancelled) return false;
    this.onCancel = cb;
    return true;
  }
}
