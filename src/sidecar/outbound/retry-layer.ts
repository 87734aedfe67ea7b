import { MeshError } from '../../errors/mesh-error';
import { codeName } from '../../errors/codes';
import { meshDefaults } from '../../policy/service-policy';
import type { PeerResponse } from '../../transport/grpc/h2-client';
import { PeerHeaders } from '../../protocol/peer-headers';
import type { PolicyMetrics } from '../../telemetry/policy-metrics';
import type { PeerLayer, PeerRequest } from './call';
import type { LayerEnv } from './layer-env';
import { defaultRetryBudget, RetryBudget } from './retry-budget';

/** Envoy's retry back-off: 25 ms doubling per retry, at most 250 ms, with full jitter. */
const backoffBaseMs = 25;
const backoffMaxMs = 250;
const notSentReason = 'not_sent';

/**
 * Tries a call again, on another provider, within its deadline and the method's `retry.attempts`:
 * - always when the attempt provably never reached a provider (connection or stream refused, or
 *   the provider sidecar marked the answer `x-transmesh-not-sent`): nothing ran, so nothing runs
 *   twice, and no budget or back-off is needed;
 * - on the codes of `retry.on` only for methods the IDL marks idempotent (the compiled policy
 *   already drops them for the others; this checks again), while the service's retry budget
 *   allows, after a jittered exponential back-off that must end before the deadline.
 * A quota or rate-limit refusal (it carries a retry-after) is never retried: another attempt now
 * would only spend more of the same limit.
 * Each attempt carries its number to the provider sidecar (x-transmesh-attempt).
 */
export function retryLayer(env: LayerEnv, metrics: PolicyMetrics): PeerLayer {
  const budgets = new Map<string, RetryBudget>();
  return (next) => async (req) => {
    const call = req.call;
    const policy = call.policy;
    const retry = (policy?.method ?? meshDefaults).retry;
    const on = call.route?.method.idempotent === true ? retry.on : undefined;
    let budget = budgets.get(call.service);
    if (!budget) budgets.set(call.service, (budget = new RetryBudget()));
    budget.call(env.now());
    for (;;) {
      call.attempts = req.attempt;
      let res: PeerResponse | undefined;
      let reason: string;
      try {
        res = await next(req);
        if (res.status === 0) return res;
        const code = codeName(res.status);
        if (res.headers[PeerHeaders.notSent] === '1') reason = notSentReason;
        else if (on?.has(code) && res.headers[PeerHeaders.retryAfter] === undefined) reason = code;
        else return res;
      } catch (err) {
        if (!(err instanceof MeshError)) throw err;
        if (err.retryable) reason = notSentReason;
        else if (on?.has(err.code) && err.code !== 'CANCELLED' && err.retryAfterSeconds === undefined) reason = err.code;
        else throw err;
        if (!(await mayRetry(req, reason, retry.attempts))) throw err;
        continue;
      }
      if (!(await mayRetry(req, reason, retry.attempts))) return res;
    }
  };

  /** Whether to make another attempt after a retryable failure; waits out the back-off first. */
  async function mayRetry(req: PeerRequest, reason: string, attempts: number): Promise<boolean> {
    const call = req.call;
    if (req.attempt >= attempts || call.cancel.cancelled) return false;
    const now = env.now();
    if (now >= call.deadline) return false;
    if (reason !== notSentReason) {
      const wait = env.random() * Math.min(backoffMaxMs, backoffBaseMs * 2 ** (req.attempt - 1));
      if (now + wait >= call.deadline) return false;
      if (!budgets.get(call.service)!.tryRetry(now, call.policy?.service?.retryBudget ?? defaultRetryBudget)) {
        metrics.budgetExhausted(call.service);
        return false;
      }
      await env.sleep(wait, call.cancel);
      if (call.cancel.cancelled) throw new MeshError('CANCELLED', 'the caller went away');
    }
    metrics.retry(call.service, reason);
    if (req.endpoint) (req.tried ??= []).push(req.endpoint.address);
    req.attempt++;
    return true;
  }
}
