/**
 * On CI only (CI=true, set by .ci/run), an end-to-end test that fails is run once more, and its
 * first failure is printed in full. The suites spawn several processes on a shared machine; one
 * slow heartbeat must not throw away a run, but a failure is never hidden: a test that fails
 * twice fails the run, and every retry shows in the log as "retry 1" with the first error.
 *
 * The retry runs at once, not after the file's other tests (Jest's default): several files end
 * with a test that stops what the others use (NATS, the control plane), so a retry deferred past
 * it could never pass. Tests still read the state they start from (revisions, counters) rather
 * than assume how many times earlier tests ran, so a retry holds either way.
 */
if (process.env.CI === 'true') jest.retryTimes(1, { logErrorsBeforeRetry: true, retryImmediately: true });
