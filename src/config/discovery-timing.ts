/**
 * How long the endpoints bucket keeps a record nobody refreshes: longer than any endpoint TTL
 * (which the sidecar config checks), so a record is never purged while readers still count on it.
 */
export const endpointsMaxAgeMs = 60_000;
