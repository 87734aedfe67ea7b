import { KV } from 'nats';
import type { Logger } from '../log/logger';
import { compileBundle } from '../protocol/compile-bundle';
import type { CompiledBundle } from '../idl/model';
import { IdlSnapshot, ServiceEntry } from '../snapshot/snapshots';
import { RouteTable } from '../rest/route-table';
import { bundleRecord, serviceRecord } from './records';
import { decodeJson, isLive } from './kv';
import { RecordWatcher } from './record-watcher';

/**
 * Follows the registry bucket and turns it into whole IDL snapshots for the data plane.
 * Bundles are compiled once per version and kept while a service is on that version; a bundle that fails to load leaves the
 * services it would have changed on their last good version.
 */
export class IdlWatcher extends RecordWatcher<typeof serviceRecord> {
  private readonly bundles = new Map<number, CompiledBundle>();
  private current = new Map<string, ServiceEntry>();
  private rebuilding: Promise<void> | undefined;
  private dirty = false;
  private emitted = false;

  constructor(
    kv: KV,
    private readonly onSnapshot: (s: IdlSnapshot) => void,
    log: Logger,
  ) {
    super(kv, serviceRecord, log, 'the registry');
  }

  /** The versions held compiled, for tests and the debug endpoint. */
  get compiledVersions(): number[] {
    return [...this.bundles.keys()].sort((a, b) => a - b);
  }

  /** Rebuilds are serialized; updates that arrive during one cause exactly one more. */
  protected rebuild(): Promise<void> {
    if (this.rebuilding) {
      this.dirty = true;
      return this.rebuilding;
    }
    this.rebuilding = (async () => {
      try {
        do {
          this.dirty = false;
          await this.build();
        } while (this.dirty && !this.stopped);
      } finally {
        this.rebuilding = undefined;
      }
    })();
    return this.rebuilding;
  }

  private async build(): Promise<void> {
    const next = new Map<string, ServiceEntry>();
    let changed = this.current.size !== this.records.size;
    for (const [name, rec] of this.records) {
      const prev = this.current.get(name);
      if (prev && prev.version === rec.current) {
        next.set(name, prev);
        continue;
      }
      try {
        const bundle = await this.load(rec.current);
        const model = bundle.services.find((s) => s.name === name);
        if (!model) throw new Error(`version ${rec.current} does not define ${name}`);
        next.set(name, Object.freeze({ model, version: rec.current }));
        changed = true;
      } catch (err) {
        this.log.error({ err, service: name, version: rec.current }, 'keeping the last good version of a service');
        if (prev) next.set(name, prev);
      }
    }
    if (!changed && this.emitted) return;
    this.emitted = true;
    this.current = next;
    // Only versions some service is on stay compiled: a rollback recompiles, old pushes do not pile up.
    const inUse = new Set([...next.values()].map((e) => e.version));
    for (const v of this.bundles.keys()) if (!inUse.has(v)) this.bundles.delete(v);
    // Pushes refuse bad and clashing routes; one that got in anyway (an old push) is left out, not fatal.
    const { table: routes, problems } = RouteTable.build([...next.values()].map((e) => e.model));
    if (problems.length) this.log.warn({ problems }, 'REST routes left out of the snapshot');
    this.onSnapshot(Object.freeze({ services: next, loadedAt: Date.now(), routes }));
    this.log.info({ services: Object.fromEntries([...next].map(([n, e]) => [n, e.version])) }, 'idl snapshot loaded');
  }

  private async load(version: number): Promise<CompiledBundle> {
    const cached = this.bundles.get(version);
    if (cached) return cached;
    const e = await this.kv.get(`bundle.${version}`);
    if (!isLive(e)) throw new Error(`bundle ${version} is missing`);
    const rec = decodeJson(bundleRecord, e.value);
    const loaded = compileBundle(rec.files, rec.entries);
    this.bundles.set(version, loaded);
    return loaded;
  }
}
