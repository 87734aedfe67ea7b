import type { Logger } from '../log/logger';

/**
 * What a composition root has started, undone in reverse order: when a later step of the start
 * fails (so a failed start leaves no listener, timer, handler or connection behind) and on stop.
 * A step that fails to undo is logged and the steps before it still run.
 */
export class Teardown {
  private readonly steps: Array<{ readonly what: string; readonly undo: () => unknown }> = [];

  constructor(private readonly log: Logger) {}

  /** Registers the undo of something just started. */
  add(what: string, undo: () => unknown): void {
    this.steps.push({ what, undo });
  }

  /** Undoes every step, last first; each at most once. */
  async run(): Promise<void> {
    for (const { what, undo } of this.steps.splice(0).reverse()) {
      try {
        await undo();
      } catch (err) {
        this.log.warn({ err, step: what }, 'could not undo a start step');
      }
    }
  }

  /** Runs `start`; if it throws, undoes what it started before rethrowing. */
  async guard<T>(start: () => Promise<T>): Promise<T> {
    try {
      return await start();
    } catch (err) {
      await this.run();
      throw err;
    }
  }
}
