import { MeshError } from '../../errors/mesh-error';
import type { CallLayer } from './call';
import { maxTimerMs } from '../../transport/peer/timer-cap';

/**
 * Sets the whole call's deadline, retries included, from `x-transmesh-timeout-ms` or the
 * default. The transports enforce it and pass what is left on as a gRPC deadline.
 */
export function deadlineLayer(defaultTimeoutMs: number): CallLayer {
  return (next) => (call) => {
    let ms = defaultTimeoutMs;
    if (call.timeoutHeader !== undefined) {
      ms = Number(call.timeoutHeader);
      if (!/^\d+$/.test(call.timeoutHeader) || ms <= 0) {
        throw new MeshError('INVALID_ARGUMENT', `x-transmesh-timeout-ms must be a positive whole number of milliseconds, not "${call.timeoutHeader}"`);
      }
    }
    // Node's timers hold at most 2^31-1 ms (~24.8 days); a longer wait means "no deadline" anyway.
    call.deadline = Date.now() + Math.min(ms, maxTimerMs);
    return next(call);
  };
}
