import { LatencySummary, summarizeLatencies } from './stats';

/**
 * The load generator: runs in the bench process itself, so it shares the machine's cores with
 * the mesh. Calls are callback-style to keep the generator's own overhead small.
 */
export type CallFn = (done: (err?: Error) => void) => void;

export interface WindowResult {
  /** Calls that completed inside the window (closed loop) or were sent in it (open loop). */
  readonly calls: number;
  readonly errors: number;
  readonly firstError: string | undefined;
  readonly seconds: number;
  /** Completed calls per second inside the window. */
  readonly rate: number;
  /** From the moment a call was handed to the client to its completion. */
  readonly latency: LatencySummary;
  /** Open loop only: calls sent more than 2 ms after their scheduled time (the generator fell behind). */
  readonly lateSends?: number;
  /** Open loop only: latency counted from the scheduled send time (includes the generator's own lag). */
  readonly latencyFromSchedule?: LatencySummary;
}

/**
 * Closed loop: `inFlight` callers, each sending its next call as soon as the last one ends,
 * for `durationMs`. The throughput at saturation is the figure; calls still in flight at the
 * end are awaited but not counted.
 */
export function closedLoop(fn: CallFn, inFlight: number, durationMs: number): Promise<WindowResult> {
  return new Promise((resolve) => {
    const lat: number[] = [];
    let errors = 0;
    let firstError: string | undefined;
    let active = 0;
    let done = 0;
    const t0 = performance.now();
    const end = t0 + durationMs;
    const finish = () => {
      const seconds = durationMs / 1000;
      resolve({ calls: done, errors, firstError, seconds, rate: done / seconds, latency: summarizeLatencies(lat) });
    };
    const issue = () => {
      active++;
      const start = performance.now();
      fn((err) => {
        active--;
        const now = performance.now();
        if (now <= end) {
          if (err) {
            errors++;
            firstError ??= err.message;
          } else {
            done++;
            lat.push(now - start);
          }
          issue();
        } else if (active === 0) {
          finish();
        }
      });
    };
    for (let i = 0; i < inFlight; i++) issue();
  });
}

/**
 * Open loop at a fixed rate: the n-th call is due at t0 + n/rate whatever happened to the
 * others, so a slow answer cannot slow the senders down (no coordinated omission). A 1 ms timer
 * sends every call that is due.
 */
export function openLoop(fn: CallFn, ratePerSec: number, durationMs: number): Promise<WindowResult> {
  return new Promise((resolve) => {
    const total = Math.max(1, Math.round((ratePerSec * durationMs) / 1000));
    const period = 1000 / ratePerSec;
    const lat: number[] = [];
    const latSched: number[] = [];
    let errors = 0;
    let firstError: string | undefined;
    let sent = 0;
    let completed = 0;
    let late = 0;
    const t0 = performance.now();
    const finish = () => {
      // Until the last answer: when the path cannot keep up, the rate achieved falls below the one asked.
      const seconds = Math.max(durationMs, performance.now() - t0) / 1000;
      resolve({
        calls: lat.length,
        errors,
        firstError,
        seconds,
        rate: lat.length / seconds,
        latency: summarizeLatencies(lat),
        lateSends: late,
        latencyFromSchedule: summarizeLatencies(latSched),
      });
    };
    const tick = () => {
      const now = performance.now();
      while (sent < total && t0 + sent * period <= now) {
        const due = t0 + sent * period;
        sent++;
        const start = performance.now();
        if (start - due > 2) late++;
        fn((err) => {
          const end = performance.now();
          completed++;
          if (err) {
            errors++;
            firstError ??= err.message;
          } else {
            lat.push(end - start);
            latSched.push(end - due);
          }
          if (completed === total) finish();
        });
      }
      if (sent >= total) clearInterval(timer);
    };
    const timer = setInterval(tick, 1);
    tick();
  });
}
