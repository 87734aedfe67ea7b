/**
 * Waits for SIGTERM or SIGINT, then runs the drain once. A second signal exits at once,
 * for an operator who does not want to wait.
 */
export function onShutdown(drain: () => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    let stopping = false;
    const handler = () => {
      if (stopping) process.exit(1);
      stopping = true;
      drain().then(resolve, reject);
    };
    process.on('SIGTERM', handler);
    process.on('SIGINT', handler);
  });
}
