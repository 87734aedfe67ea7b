import { CodeName } from '../../errors/codes';
import { MeshError } from '../../errors/mesh-error';
import { stringifyWithRaw } from '../../json/raw-json';

/** The canonical gRPC-to-HTTP mapping (google.rpc.Code), the only place it is written. */
const httpStatusByCode: Record<CodeName, number> = {
  OK: 200,
  CANCELLED: 499,
  UNKNOWN: 500,
  INVALID_ARGUMENT: 400,
  DEADLINE_EXCEEDED: 504,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  PERMISSION_DENIED: 403,
  RESOURCE_EXHAUSTED: 429,
  FAILED_PRECONDITION: 400,
  ABORTED: 409,
  OUT_OF_RANGE: 400,
  UNIMPLEMENTED: 501,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  DATA_LOSS: 500,
  UNAUTHENTICATED: 401,
};

/**
 * A body over the size limit: RESOURCE_EXHAUSTED, but 413 rather than 429, which would invite
 * retries of a request that can never succeed.
 */
export const payloadTooLargeStatus = 413;

/** A body that did not arrive in time: DEADLINE_EXCEEDED, but 408, the client's own slowness, not the provider's. */
export const requestTimeoutStatus = 408;

export function httpStatusOf(code: CodeName): number {
  return httpStatusByCode[code];
}

/** The JSON body every failure is returned as. */
export function errorBody(err: MeshError, requestId: string): string {
  const error: Record<string, unknown> = { code: err.code, message: err.message, details: err.details, requestId };
  if (err.extra) Object.assign(error, err.extra);
  return stringifyWithRaw({ error });
}
