import type { BatchConfig } from '../../config/otel-config';

/** Sends one batch; resolves true when the collector took it. Aborted when the batch times out. */
export type ExportBatch<T> = (batch: T[], signal: AbortSignal) => Promise<boolean>;

/**
 * The OpenTelemetry SDK's BatchSpanProcessor, reduced to what a sidecar needs: spans queue up to
 * maxQueueSize (beyond, dropped and counted: a slow collector must never hold calls or memory);
 * a batch leaves after scheduleDelayMs, or at once when maxExportBatchSize are waiting; never
 * more than one export in flight; an export not done in exportTimeoutMs is abandoned and its
 * spans counted as failed. Adding a span is a push and a counter: the request path does no more.
 */
export class SpanBatcher<T> {
  private queue: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  /** Spans dropped because the queue was full. */
  droppedQueueFull = 0;
  /** Spans in batches the collector did not take (error, non-2xx, timeout). */
  droppedExportFailed = 0;
  exported = 0;
  private lastOk = true;

  constructor(
    private readonly config: BatchConfig,
    private readonly exportBatch: ExportBatch<T>,
  ) {}

  add(item: T): void {
    if (this.queue.length >= this.config.maxQueueSize) {
      this.droppedQueueFull++;
      return;
    }
    this.queue.push(item);
    if (this.inFlight) return; // the export's end looks at the queue again
    if (this.queue.length >= this.config.maxExportBatchSize) this.exportSoon(0);
    else if (!this.timer) this.exportSoon(this.config.scheduleDelayMs);
  }

  get queued(): number {
    return this.queue.length;
  }

  /**
   * Exports everything queued, one batch at a time; for shutdown. Once an export fails the rest
   * is dropped (counted): a collector that is down must not hold a stopping sidecar for a
   * timeout per batch.
   */
  async drain(): Promise<void> {
    this.clearTimer();
    while (this.inFlight || this.queue.length > 0) {
      if (this.inFlight) {
        await this.inFlight;
        if (!this.lastOk) {
          this.droppedExportFailed += this.queue.length;
          this.queue = [];
        }
      } else this.exportNext();
    }
    this.clearTimer();
  }

  private exportSoon(delayMs: number): void {
    this.clearTimer();
    // Unref'd: pending spans alone must not keep a stopping process alive (drain() exports them).
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.exportNext();
    }, delayMs).unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private exportNext(): void {
    if (this.inFlight || this.queue.length === 0) return;
    const batch = this.queue.length <= this.config.maxExportBatchSize ? this.queue : this.queue.slice(0, this.config.maxExportBatchSize);
    this.queue = batch === this.queue ? [] : this.queue.slice(batch.length);
    this.inFlight = this.send(batch).then(() => {
      this.inFlight = undefined;
      if (this.queue.length >= this.config.maxExportBatchSize) this.exportSoon(0);
      else if (this.queue.length > 0 && !this.timer) this.exportSoon(this.config.scheduleDelayMs);
    });
  }

  private async send(batch: T[]): Promise<void> {
    const abort = new AbortController();
    let timeout: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timeout = setTimeout(() => {
        abort.abort(new Error(`export took over ${this.config.exportTimeoutMs} ms`));
        resolve(false);
      }, this.config.exportTimeoutMs);
    });
    // A throwing exporter counts as a failed one: it logs why; here it is only counted.
    const ok = await Promise.race([this.exportBatch(batch, abort.signal), timedOut]).catch(() => false);
    clearTimeout(timeout);
    this.lastOk = ok;
    if (ok) this.exported += batch.length;
    else this.droppedExportFailed += batch.length;
  }
}
