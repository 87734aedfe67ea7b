import type { AccessPolicy } from '../../policy/service-policy';

/** What the `access` section says about one call (docs/security.md, Access). */
export type AccessDecision = 'allow' | 'deny';

/**
 * The decision table: no access section allows everything; with one, a call is allowed only
 * when some entry names its caller and its method (or `*` for any method), else denied. The
 * mode (enforce or audit) does not change the decision, only what is done with it.
 */
export function decideAccess(access: AccessPolicy | undefined, caller: string, method: string): AccessDecision | undefined {
  if (!access) return undefined;
  for (const rule of access.allow) {
    if (rule.callers.has(caller) && (rule.methods.has(method) || rule.methods.has('*'))) return 'allow';
  }
  return 'deny';
}
