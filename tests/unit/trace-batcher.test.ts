import { SpanBatcher } from '../../src/sidecar/tracing/span-batcher';

/** An exporter the test answers by hand: each call waits until the test settles it. */
function manualExporter() {
  const calls: Array<{ batch: number[]; signal: AbortSignal; settle: (ok: boolean | Error) => void }> = [];
  const waiters: Array<() => void> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const exportBatch = (batch: number[], signal: AbortSignal) =>
    new Promise<boolean>((resolve, reject) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      calls.push({
        batch: [...batch],
        signal,
        settle: (ok) => {
          inFlight--;
          if (ok instanceof Error) reject(ok);
          else resolve(ok);
        },
      });
      waiters.splice(0).forEach((w) => w());
    });
  /** Resolves once the exporter has been called n times in all. */
  const called = (n: number) => new Promise<void>((resolve) => {
    const check = () => (calls.length >= n ? resolve() : waiters.push(check));
    check();
  });
  return { calls, exportBatch, called, maxInFlight: () => maxInFlight };
}

const config = { scheduleDelayMs: 10, maxQueueSize: 6, maxExportBatchSize: 4, exportTimeoutMs: 60_000 };
const flushed = () => new Promise((r) => setImmediate(r));

describe('span batcher', () => {
  test('a full batch leaves at once, the rest after the delay; one export in flight at a time', async () => {
    const ex = manualExporter();
    const b = new SpanBatcher<number>({ ...config, scheduleDelayMs: 60_000 }, ex.exportBatch);
    for (let i = 0; i < 6; i++) b.add(i);
    await ex.called(1);
    expect(ex.calls[0].batch).toEqual([0, 1, 2, 3]);
    // While it is in flight, more spans queue (up to the limit) and no second export starts.
    b.add(6);
    await flushed();
    expect(ex.calls).toHaveLength(1);
    ex.calls[0].settle(true);
    const draining = b.drain();
    await ex.called(2);
    expect(ex.calls[1].batch).toEqual([4, 5, 6]);
    ex.calls[1].settle(true);
    await draining;
    expect(ex.maxInFlight()).toBe(1);
    expect(b.exported).toBe(7);
    expect(b.queued).toBe(0);
  });

  test('a partial batch leaves after the schedule delay', async () => {
    const ex = manualExporter();
    const b = new SpanBatcher<number>(config, ex.exportBatch);
    b.add(1);
    b.add(2);
    expect(ex.calls).toHaveLength(0);
    await ex.called(1);
    expect(ex.calls[0].batch).toEqual([1, 2]);
    ex.calls[0].settle(true);
    await b.drain();
    expect(b.exported).toBe(2);
  });

  test('past the queue size spans are dropped and counted, never queued', async () => {
    const ex = manualExporter();
    const b = new SpanBatcher<number>(config, ex.exportBatch);
    for (let i = 0; i < 4; i++) b.add(i); // a full batch: goes out and stays in flight
    await ex.called(1);
    for (let i = 4; i < 14; i++) b.add(i); // 6 fit, 4 do not
    expect(b.queued).toBe(6);
    expect(b.droppedQueueFull).toBe(4);
    ex.calls[0].settle(true);
    const draining = b.drain();
    await ex.called(2);
    ex.calls[1].settle(true);
    await ex.called(3);
    ex.calls[2].settle(true);
    await draining;
    expect(ex.calls.map((c) => c.batch)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect([b.exported, b.droppedQueueFull, b.droppedExportFailed]).toEqual([10, 4, 0]);
  });

  test('failed, throwing and timed-out exports drop their batch, counted, and the next batch still goes', async () => {
    const ex = manualExporter();
    const b = new SpanBatcher<number>({ ...config, exportTimeoutMs: 20 }, ex.exportBatch);
    for (let i = 0; i < 4; i++) b.add(i);
    await ex.called(1);
    ex.calls[0].settle(false);
    for (let i = 0; i < 4; i++) b.add(i);
    await ex.called(2);
    ex.calls[1].settle(new Error('socket hang up'));
    for (let i = 0; i < 4; i++) b.add(i);
    await ex.called(3);
    // Not settled: the export timeout aborts it.
    await new Promise((r) => ex.calls[2].signal.addEventListener('abort', r));
    b.add(99);
    await ex.called(4);
    ex.calls[3].settle(true);
    await b.drain();
    expect([b.exported, b.droppedExportFailed]).toEqual([1, 12]);
  });

  test('draining stops at the first failed export: the rest is dropped and counted, not tried batch by batch', async () => {
    const ex = manualExporter();
    const b = new SpanBatcher<number>({ ...config, maxQueueSize: 20, scheduleDelayMs: 60_000 }, ex.exportBatch);
    for (let i = 0; i < 4; i++) b.add(i);
    await ex.called(1);
    for (let i = 4; i < 14; i++) b.add(i);
    const draining = b.drain();
    ex.calls[0].settle(false);
    await draining;
    expect(ex.calls).toHaveLength(1);
    expect([b.exported, b.droppedExportFailed, b.queued]).toEqual([0, 14, 0]);
  });

  test('drain with nothing queued returns at once', async () => {
    const b = new SpanBatcher<number>(config, manualExporter().exportBatch);
    await b.drain();
    expect(b.exported).toBe(0);
  });
});
