/**
 * Exponential backoff with full jitter (AWS architecture blog): many sidecars that lost the same
 * NATS node do not all come back in the same instant.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    const cap = Math.min(this.maxMs, this.baseMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.round(cap / 2 + (this.random() * cap) / 2);
  }

  reset(): void {
    this.attempt = 0;
  }
}

/**
 * Runs `fn` until it succeeds or `totalMs` has passed, with backoff: at start-up a JetStream
 * request can time out while a stream elects a leader (seconds), which is no reason to exit.
 */
export async function retrying<T>(fn: () => Promise<T>, onRetry: (err: unknown, delayMs: number) => void, totalMs = 30000): Promise<T> {
  const deadline = Date.now() + totalMs;
  const backoff = new Backoff(250, 3000);
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      const delay = backoff.next();
      if (Date.now() + delay > deadline) throw err;
      onRetry(err, delay);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
