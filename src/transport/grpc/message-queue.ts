/**
 * One direction of a stream between the side that receives messages and the one that consumes
 * them: messages wait here in order, and the queue tells its producer when to stop. `push`
 * returns false once `highWaterBytes` wait, and `onTake` runs each time the consumer takes one,
 * so the producer resumes (an HTTP/2 stream) or grants credit (a mux stream). A producer that
 * honours that keeps the queue within the high-water mark plus one message.
 *
 * The end is in-band: `next()` resolves `undefined` after the last message; a failure reaches the
 * consumer after the messages before it. A message costs its length plus gRPC's 5-byte prefix,
 * so empty messages count too.
 */
export class MessageQueue implements AsyncIterable<Buffer> {
  private items: Buffer[] = [];
  private head = 0;
  /** Bytes waiting (each message + 5). */
  bytes = 0;
  private ended = false;
  private error: unknown;
  private waiter: { resolve: (m: Buffer | undefined) => void; reject: (e: unknown) => void } | undefined;
  /** Runs after the consumer took a message, with its cost. */
  onTake: ((cost: number) => void) | undefined;

  constructor(readonly highWaterBytes = defaultHighWaterBytes) {}

  /** No more messages will come (or may be taken: the queue ended or failed). */
  get done(): boolean {
    return this.ended;
  }

  /** Adds a message; false: the producer should wait for `onTake` before the next. Ignored once ended. */
  push(m: Buffer): boolean {
    if (this.ended) return false;
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w.resolve(m);
      // Handed over at once: nothing waited, but the consumer took it.
      this.onTake?.(m.length + 5);
      return true;
    }
    this.items.push(m);
    this.bytes += m.length + 5;
    return this.bytes < this.highWaterBytes;
  }

  /** The last message was pushed. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.wake();
  }

  /** Ends the queue with an error, which the consumer gets after the messages already in. */
  fail(err: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.error = err;
    this.wake();
  }

  /** The consumer gives up: what waits is dropped, later pushes are ignored. */
  discard(): void {
    this.items = [];
    this.head = 0;
    this.bytes = 0;
    this.end();
  }

  /** The next message; undefined after the last. */
  next(): Promise<Buffer | undefined> {
    if (this.head < this.items.length) return Promise.resolve(this.take());
    if (this.ended) return this.error === undefined ? Promise.resolve(undefined) : Promise.reject(this.error);
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for (let m = await this.next(); m !== undefined; m = await this.next()) yield m;
  }

  private take(): Buffer {
    const m = this.items[this.head];
    this.items[this.head++] = empty;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    const cost = m.length + 5;
    this.bytes -= cost;
    this.onTake?.(cost);
    return m;
  }

  private wake(): void {
    const w = this.waiter;
    if (!w || this.head < this.items.length) return;
    this.waiter = undefined;
    if (this.error === undefined) w.resolve(undefined);
    else w.reject(this.error);
  }
}

const empty = Buffer.alloc(0);
/** What one stream direction holds before its producer is told to stop. */
export const defaultHighWaterBytes = 256 * 1024;
