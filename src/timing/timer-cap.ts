/** The longest wait a Node timer holds (2^31-1 ms, ~24.8 days); longer deadlines are capped to it. */
export const maxTimerMs = 2_147_483_647;

/**
 * A deadline this far off or further is "none": the deadline layer caps longer ones to
 * `maxTimerMs`, which only TRANSMESH_DEFAULT_TIMEOUT_MS at its maximum asks for, and the time
 * the hops take is well under the hour of slack. A provider is then sent no deadline at all.
 */
export const noDeadlineMs = maxTimerMs - 3_600_000;
