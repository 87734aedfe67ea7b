/**
 * The mesh's own headers on the peer hop (docs/architecture.md), named once. Adapters name their
 * own marks (`x-transmesh-thrift-*`) in their folders.
 */
export const PeerHeaders = {
  /** The calling app, for metrics and policy on the provider side. */
  caller: 'x-transmesh-caller',
  /**
   * `1` on an error the provider's service never saw (the connection to it was refused, or the
   * service is not provided there), so the consumer may retry elsewhere.
   */
  notSent: 'x-transmesh-not-sent',
  /** The consumer's attempt number (1, 2, ...): a call that carries it was already under a retry policy, so no hop after retries it again. */
  attempt: 'x-transmesh-attempt',
  /** Whole seconds on a quota or rate-limit refusal by the provider sidecar; the consumer's sidecar answers the app with `retry-after` and never retries it. */
  retryAfter: 'x-transmesh-retry-after',
} as const;
