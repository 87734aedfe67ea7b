import type { CancelToken } from '../../timing/cancel-token';

/**
 * Time and chance as the policy layers see them, injected so unit tests run on a fake clock and
 * a seeded random source (weights, P2C, jitter, fault percentages) and stay deterministic.
 */
export interface LayerEnv {
  /** Milliseconds since the epoch, as Date.now(). */
  now(): number;
  /** Uniform in [0, 1), as Math.random(). */
  random(): number;
  /** Resolves after `ms`, or early when the caller goes away (the caller checks `cancel.cancelled`). */
  sleep(ms: number, cancel: CancelToken): Promise<void>;
}

export const realEnv: LayerEnv = Object.freeze({
  now: Date.now,
  random: Math.random,
  sleep(ms: number, cancel: CancelToken): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        cancel.set(undefined);
        resolve();
      }
      if (!cancel.set(done)) done();
    });
  },
});
