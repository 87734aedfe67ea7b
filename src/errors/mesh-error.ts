import { Code, CodeName } from './codes';

const withStack: ReadonlySet<CodeName> = new Set<CodeName>(['INTERNAL', 'UNKNOWN', 'DATA_LOSS']);

/**
 * The one error type of the mesh. Anything that fails on the request path throws (or returns)
 * a MeshError; anything else that escapes is turned into INTERNAL at the edge.
 * `extra` holds protocol-specific members of the JSON error (for Thrift: `thrift`).
 */
export class MeshError extends Error {
  readonly code: CodeName;
  readonly details: readonly unknown[];
  readonly extra: Readonly<Record<string, unknown>> | undefined;
  /** Response metadata from the provider, echoed to the caller as `grpc-metadata-*` headers. */
  metadata: Readonly<Record<string, string>> | undefined;
  /** Set by transports when the request never reached a provider, so another one may be tried. */
  retryable = false;
  /** A provider's `grpc-status-details-bin` (a google.rpc.Status, base64) as it came, passed on unread to native gRPC callers. */
  detailsBin: string | undefined;
  /** Set on a quota or rate-limit refusal: whole seconds until a call may pass, sent as `retry-after`. Such a refusal is never retried. */
  retryAfterSeconds: number | undefined;

  constructor(code: CodeName, message: string, details: readonly unknown[] = [], extra?: Record<string, unknown>) {
    // A stack is captured only for errors that mean a bug (INTERNAL, UNKNOWN, DATA_LOSS): the
    // others are answers (a provider's NOT_FOUND, a deadline, a refusal), common on the request
    // path, and capturing a stack was ~10% of the consumer's CPU on calls that end in one.
    const limit = Error.stackTraceLimit;
    if (!withStack.has(code)) Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = 'MeshError';
    this.code = code;
    this.details = details;
    this.extra = extra;
  }

  get numericCode(): number {
    return Code[this.code];
  }

  static from(err: unknown): MeshError {
    if (err instanceof MeshError) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new MeshError('INTERNAL', message);
  }
}

/** RESOURCE_EXHAUSTED from a quota or a rate limit, with the `retry-after` it answers with. */
export function exhausted(message: string, retryAfterSeconds: number): MeshError {
  const err = new MeshError('RESOURCE_EXHAUSTED', message);
  err.retryAfterSeconds = retryAfterSeconds;
  return err;
}

/** INVALID_ARGUMENT naming the JSON path of the offending value (`items[2].price`). */
export function invalidArgument(path: string, message: string): MeshError {
  return new MeshError('INVALID_ARGUMENT', path ? `${path}: ${message}` : message);
}
