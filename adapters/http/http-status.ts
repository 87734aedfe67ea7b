import type { CodeName } from '../../src/errors/codes';

/**
 * The code of a non-2xx answer without the mesh's error envelope, as gRPC maps HTTP statuses
 * (grpc/doc/http-grpc-status-mapping.md): the provider is a web application, so a status is all
 * it may say.
 */
export function codeOfHttpStatus(status: number): CodeName {
  switch (status) {
    case 400:
      return 'INTERNAL';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'UNIMPLEMENTED';
    case 429:
    case 502:
    case 503:
    case 504:
      return 'UNAVAILABLE';
    default:
      return 'UNKNOWN';
  }
}
