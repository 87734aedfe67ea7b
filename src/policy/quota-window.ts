import type { QuotaWindow } from './service-policy';

export const windowLengthMs: Record<QuotaWindow, number> = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/**
 * Fixed windows aligned to UTC. UTC has no daylight saving and the epoch starts at midnight, so
 * every window starts at a multiple of its length since the epoch (leap seconds aside).
 */
export function windowStart(now: number, per: QuotaWindow): number {
  const len = windowLengthMs[per];
  return Math.floor(now / len) * len;
}

export function windowEnd(now: number, per: QuotaWindow): number {
  return windowStart(now, per) + windowLengthMs[per];
}

/** `retry-after` in whole seconds, rounded up (docs/policy.md, Quotas): the time left in the window, at least 1. */
export function secondsToWindowEnd(now: number, per: QuotaWindow): number {
  return Math.max(1, Math.ceil((windowEnd(now, per) - now) / 1000));
}
