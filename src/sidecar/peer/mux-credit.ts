import { MeshError } from '../../errors/mesh-error';
import { streamWindowBytes } from './mux-frame';

/**
 * Per-stream flow control of a mux streaming call, one direction each way (docs/architecture.md,
 * "The peer hop's wire format"): what this side may still send, and what the other side may
 * still send to it, granted back as this side's reader takes messages.
 */
export class MuxCredit {
  /** Bytes of DATA this side may still send (may go below zero by one message). */
  private credit = streamWindowBytes;
  private waiter: (() => void) | undefined;
  /** Bytes of DATA the other side may still send. */
  private allowance = streamWindowBytes;
  /** Bytes taken by this side's reader and not yet granted back. */
  private taken = 0;

  /** Resolves when this side may send (credit above zero) or `stop()` was called. */
  mayWrite(): Promise<void> | undefined {
    if (this.credit > 0) return undefined;
    return new Promise((resolve) => (this.waiter = resolve));
  }

  /** A DATA frame of `cost` bytes (message + 5) was sent. */
  wrote(cost: number): void {
    this.credit -= cost;
  }

  /** A WINDOW frame came. */
  granted(bytes: number): void {
    this.credit += bytes;
    if (this.credit > 0) this.wake();
  }

  /** Releases a writer waiting for credit (the stream ended). */
  stop(): void {
    this.credit = Infinity;
    this.wake();
  }

  /** A DATA frame of `cost` bytes came; a peer that sent without credit broke the protocol. */
  received(cost: number): void {
    if (this.allowance <= 0) throw new MeshError('INTERNAL', 'malformed peer frame: DATA sent without credit');
    this.allowance -= cost;
  }

  /** This side's reader took `cost` bytes; returns the credit to grant back now (0: not yet). */
  took(cost: number): number {
    this.taken += cost;
    if (this.taken < streamWindowBytes / 2) return 0;
    const grant = this.taken;
    this.taken = 0;
    this.allowance += grant;
    return grant;
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }
}
