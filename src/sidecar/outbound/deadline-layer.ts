import { MeshError } from '../../errors/mesh-error';
import type { CallLayer, OutboundCall } from './call';
import { maxTimerMs } from '../../timing/timer-cap';
import type { LayerEnv } from './layer-env';

/**
 * Sets the whole call's deadline, retries included: the method's policy timeout (else the
 * sidecar's default), which a caller's `x-transmesh-timeout-ms` may shorten but never lengthen.
 * Without a policy timeout the caller's header stands as sent. The transports enforce the
 * deadline and pass what is left on as a gRPC deadline. A streaming method has no default
 * deadline (gRPC's own default): the policy's timeout or the caller's bounds it.
 */
export function deadlineLayer(defaultTimeoutMs: number, env: Pick<LayerEnv, 'now'>): CallLayer {
  return (next) => async (call) => {
    const policyMs = call.policy?.method.timeoutMs;
    // A stream may live for as long as its caller wants: only a policy or the caller gives it a deadline.
    let ms = policyMs ?? (isStreaming(call) ? maxTimerMs : defaultTimeoutMs);
    if (call.timeoutHeader !== undefined) {
      const asked = Number(call.timeoutHeader);
      if (!/^\d+$/.test(call.timeoutHeader) || asked <= 0) {
        throw new MeshError('INVALID_ARGUMENT', `x-transmesh-timeout-ms must be a positive whole number of milliseconds, not "${call.timeoutHeader}"`);
      }
      ms = policyMs === undefined ? asked : Math.min(asked, policyMs);
    }
    // Node's timers hold at most 2^31-1 ms (~24.8 days); a longer wait means "no deadline" anyway.
    call.deadline = env.now() + Math.min(ms, maxTimerMs);
    if (policyMs === undefined || ms !== policyMs) return next(call);
    try {
      return await next(call);
    } catch (err) {
      // A call the policy timed out says so: the caller asked for no deadline, or a longer one.
      if (err instanceof MeshError && err.code === 'DEADLINE_EXCEEDED') err.message += ` (the policy of ${call.service} sets ${policyMs} ms for ${call.method})`;
      throw err;
    }
  };
}

function isStreaming(call: OutboundCall<unknown>): boolean {
  const m = call.route?.method;
  return m !== undefined && (m.clientStreaming || m.serverStreaming);
}
