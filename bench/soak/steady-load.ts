import type { CallSet, SoakCall } from './soak-calls';

/** Calls and failures of one kind of call. */
export interface CallCount {
  ok: number;
  failed: number;
}

/**
 * Open-loop load on the consumer sidecar: a call every 1/rate s whatever the earlier ones do,
 * round-robin over the mix of every call set (JSON, native gRPC; streaming calls are one more
 * `CallSet` passed in), counted (not kept) so a run of hours holds no per-call state.
 */
export class SteadyLoad {
  ok = 0;
  failed = 0;
  /** Calls by kind (`json GetUser`, `grpc GetUser`, ...). */
  readonly byCall = new Map<string, CallCount>();
  /** Failures by HTTP status or error code, with one example body. */
  readonly failures = new Map<string, { count: number; example: string }>();
  private timer: NodeJS.Timeout | undefined;
  private next = 0;
  private readonly mix: SoakCall[];

  constructor(
    private readonly sets: readonly CallSet[],
    private readonly ratePerSec: number,
  ) {
    this.mix = sets.flatMap((s) => s.calls);
    for (const c of this.mix) this.byCall.set(c.name, { ok: 0, failed: 0 });
  }

  start(): void {
    this.timer = setInterval(() => this.one(), 1000 / this.ratePerSec);
  }

  stop(): void {
    clearInterval(this.timer);
    for (const s of this.sets) s.close();
  }

  private one(): void {
    const call = this.mix[this.next++ % this.mix.length];
    const count = this.byCall.get(call.name)!;
    let ended = false;
    call.run((failure) => {
      if (ended) return;
      ended = true;
      if (!failure) {
        this.ok++;
        count.ok++;
        return;
      }
      this.failed++;
      count.failed++;
      const f = this.failures.get(failure.key);
      if (f) f.count++;
      else this.failures.set(failure.key, { count: 1, example: failure.example });
    });
  }
}
