import { type CodeName, isCodeName } from './codes';

/**
 * Codes that mean something failed (the service, the mesh, the network), as opposed to the
 * service answering: the codes an HTTP caller sees as 5xx, and UNKNOWN. NOT_FOUND,
 * INVALID_ARGUMENT, ALREADY_EXISTS, PERMISSION_DENIED, RESOURCE_EXHAUSTED (a quota said no) and
 * the like are answers: a failure rate that counts them pages an operator for a caller looking up
 * missing users. docs/observability.md, "Failures and answers".
 */
export const failureCodes: readonly CodeName[] = ['UNKNOWN', 'DEADLINE_EXCEEDED', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS'];

const failures: ReadonlySet<string> = new Set(failureCodes);

/** True for a failure, false for OK and for every answer; a name the mesh does not know counts as UNKNOWN. */
export function isFailure(code: string): boolean {
  return failures.has(code) || !isCodeName(code);
}

/** Access refused by the provider's sidecar (the `access` policy, a missing or foreign certificate). */
export function isDenial(code: string): boolean {
  return code === 'PERMISSION_DENIED' || code === 'UNAUTHENTICATED';
}
