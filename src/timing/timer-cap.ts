/** The longest wait a Node timer holds (2^31-1 ms, ~24.8 days); longer deadlines are capped to it. */
export const maxTimerMs = 2_147_483_647;
