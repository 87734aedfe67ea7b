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
  /**
   * The metadata keys of an answer the service sent as trailers, comma-separated: the mux framing
   * carries one header block, so the consumer's edge (a gRPC caller's trailers, Connect's
   * `trailer-<name>`) can put them back where they came from.
   */
  trailers: 'x-transmesh-trailers',
} as const;

/** The trailer keys an answer's headers name (PeerHeaders.trailers); none when absent. */
export function trailerKeysOf(headers: Readonly<Record<string, string | string[] | undefined>>): readonly string[] | undefined {
  const v = headers[PeerHeaders.trailers];
  const list = Array.isArray(v) ? v.join(',') : v;
  return list ? list.split(',') : undefined;
}
