import { MeshError } from '../../errors/mesh-error';
import type { CallLayer } from './call';

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
    call.deadline = Date.now() + ms;
    return next(call);
  };
}
