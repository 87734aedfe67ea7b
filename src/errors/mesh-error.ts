import { Code, CodeName } from './codes';

const withStack: ReadonlySet<CodeName> = new Set<CodeName>(['INTERNAL', 'UNKNOWN', 'DATA_LOSS']);

/** Everything about a MeshError besides its code and message; each field is fixed at construction. */
export interface MeshErrorInit {
  /** google.rpc.Status details, as JSON (`@type` and fields). */
  readonly details?: readonly unknown[];
  /** Protocol-specific members of the JSON error (for Thrift: `thrift`). */
  readonly extra?: Readonly<Record<string, unknown>>;
  /** Response metadata from the provider, echoed to the caller as `grpc-metadata-*` headers. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** The request never reached a provider, so another one may be tried. */
  readonly retryable?: boolean;
  /** A quota or rate-limit refusal: whole seconds until a call may pass, sent as `retry-after`. */
  readonly retryAfterSeconds?: number;
  /** What went wrong underneath (a socket error, a thrown exception), for logs. */
  readonly cause?: unknown;
  /** A provider's `grpc-status-details-bin` as it came, for native gRPC callers. */
  readonly detailsBin?: string;
}

const noInit: MeshErrorInit = {};
const noDetails: readonly unknown[] = Object.freeze([]);

/**
 * The one error type of the mesh. Anything that fails on the request path throws (or returns)
 * a MeshError; anything else that escapes is turned into INTERNAL at the edge. Built whole, as
 * connect-es builds ConnectError: an error may be shared by the layers it passes (retry, log,
 * trace), so nobody changes it afterwards; `withMetadata` makes a copy instead.
 */
export class MeshError extends Error {
  readonly code: CodeName;
  readonly details: readonly unknown[];
  readonly extra: Readonly<Record<string, unknown>> | undefined;
  readonly metadata: Readonly<Record<string, string>> | undefined;
  readonly retryable: boolean;
  /** Set on a quota or rate-limit refusal. Such a refusal is never retried. */
  readonly retryAfterSeconds: number | undefined;
  /** A provider's `grpc-status-details-bin` (a google.rpc.Status, base64) as it came, passed on unread to native gRPC callers. */
  readonly detailsBin: string | undefined;

  constructor(code: CodeName, message: string, init: MeshErrorInit = noInit) {
    // A stack is captured only for errors that mean a bug (INTERNAL, UNKNOWN, DATA_LOSS): the
    // others are answers (a provider's NOT_FOUND, a deadline, a refusal), common on the request
    // path, and capturing a stack was ~10% of the consumer's CPU on calls that end in one.
    const limit = Error.stackTraceLimit;
    if (!withStack.has(code)) Error.stackTraceLimit = 0;
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    Error.stackTraceLimit = limit;
    this.name = 'MeshError';
    this.code = code;
    this.details = init.details ?? noDetails;
    this.extra = init.extra;
    this.metadata = init.metadata;
    this.retryable = init.retryable ?? false;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.detailsBin = init.detailsBin;
  }

  get numericCode(): number {
    return Code[this.code];
  }

  /** A copy carrying the provider's response metadata, for an error built by someone else. */
  withMetadata(metadata: Readonly<Record<string, string>> | undefined): MeshError {
    const { details, extra, retryable, retryAfterSeconds, cause, detailsBin } = this;
    const copy = new MeshError(this.code, this.message, { details, extra, metadata, retryable, retryAfterSeconds, cause, detailsBin });
    copy.stack = this.stack;
    return copy;
  }

  /** `err` itself if it is a MeshError, else INTERNAL with its message, keeping it as the cause. */
  static from(err: unknown): MeshError {
    if (err instanceof MeshError) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new MeshError('INTERNAL', message, { cause: err });
  }
}

/** RESOURCE_EXHAUSTED from a quota or a rate limit, with the `retry-after` it answers with. */
export function exhausted(message: string, retryAfterSeconds: number): MeshError {
  return new MeshError('RESOURCE_EXHAUSTED', message, { retryAfterSeconds });
}

/** INVALID_ARGUMENT naming the JSON path of the offending value (`items[2].price`). */
export function invalidArgument(path: string, message: string): MeshError {
  return new MeshError('INVALID_ARGUMENT', path ? `${path}: ${message}` : message);
}
