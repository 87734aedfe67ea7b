import type { Match } from '../../policy/service-policy';
import type { OutboundCall } from './call';

/**
 * Whether a call matches a route's or a fault's `match`: every header named has exactly that
 * value as the app sent it, the calling app is listed (or none are), the method is listed (or
 * none are). One rule for routes and faults, so they never disagree.
 */
export function matches(match: Match, call: OutboundCall<unknown>): boolean {
  if (match.callers.size > 0 && !match.callers.has(call.caller)) return false;
  if (match.methods.size > 0 && !match.methods.has(call.method)) return false;
  for (const [name, value] of match.headers) {
    const sent = call.headers[name];
    if ((Array.isArray(sent) ? sent[0] : sent) !== value) return false;
  }
  return true;
}

/** A header the app sent, as one string (the first value of a repeated header). */
export function appHeader(call: OutboundCall<unknown>, name: string): string | undefined {
  const v = call.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
