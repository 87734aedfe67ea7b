import { NatsConnection } from 'nats';
import { Reply } from './records';
import { Backoff } from './backoff';

/** No control plane answered in time, after retries: the CLI prints the message as its one-line reason. */
export class ControlPlaneUnavailable extends Error {}

export interface RetryOptions {
  /** The request may be sent again after a timeout (the first may have been carried out). */
  idempotent: boolean;
  attemptTimeoutMs?: number;
  totalMs?: number;
}

/**
 * A request to the control plane's queue group that survives a replica dying under it: "no
 * responders" (none subscribed right now, e.g. all reconnecting to another NATS node) is always
 * retried, since nobody got the request; a timeout only when the request is idempotent. A push
 * is made idempotent by its pushId, so a push either completes or is reported as failed.
 */
export async function requestWithRetry(nc: NatsConnection, subject: string, data: Uint8Array, opts: RetryOptions): Promise<Reply<unknown>> {
  // Longer than a control plane waits out a leader election (patientKv), so its answer arrives.
  const attemptTimeoutMs = opts.attemptTimeoutMs ?? 12000;
  const deadline = Date.now() + (opts.totalMs ?? 40000);
  const backoff = new Backoff(200, 2000);
  for (;;) {
    let reason: string;
    try {
      const msg = await nc.request(subject, data, { timeout: Math.max(1000, Math.min(attemptTimeoutMs, deadline - Date.now())) });
      return JSON.parse(new TextDecoder().decode(msg.data)) as Reply<unknown>;
    } catch (err) {
      const message = (err as Error).message;
      const noResponders = /503|no responders/i.test(message);
      reason = noResponders ? 'no control plane is answering on NATS (start one: transmesh control-plane)' : `the control plane did not answer: ${message}`;
      if (!noResponders && !opts.idempotent) throw new ControlPlaneUnavailable(`${reason}; it may or may not have been carried out`);
    }
    const wait = backoff.next();
    if (Date.now() + wait >= deadline) throw new ControlPlaneUnavailable(reason);
    await new Promise((r) => setTimeout(r, wait));
  }
}
