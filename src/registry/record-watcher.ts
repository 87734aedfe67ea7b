import type { KV } from 'nats';
import type { z } from 'zod';
import type { Logger } from '../log/logger';
import { followRecords } from './kv';

/**
 * A watcher of the `service.<name>` records of one bucket (IDL registry, policy store) that
 * turns them into whole snapshots in `rebuild`, which subclasses provide.
 */
export abstract class RecordWatcher<S extends z.ZodTypeAny> {
  protected readonly records = new Map<string, z.output<S>>();
  protected stopped = false;
  private stopWatch: (() => void) | undefined;

  constructor(
    protected readonly kv: KV,
    private readonly schema: S,
    protected readonly log: Logger,
  ) {}

  /** Resolves once the bucket as it is now has been loaded into a first snapshot. */
  async start(): Promise<void> {
    await this.watch();
    await this.rebuild();
  }

  /**
   * Watches again from the current state: after NATS comes back, a watch's consumer can take
   * many seconds to notice it was cut, so the wiring restarts it at once.
   */
  async restart(): Promise<void> {
    this.stopWatch?.();
    await this.watch();
  }

  stop(): void {
    this.stopped = true;
    this.stopWatch?.();
  }

  protected abstract rebuild(): Promise<void>;

  private async watch(): Promise<void> {
    this.stopWatch = await followRecords(this.kv, 'service', this.schema, this.records, () => void this.rebuild(), this.log);
  }
}
