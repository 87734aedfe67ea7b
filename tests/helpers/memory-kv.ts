import type { KvEntry } from 'nats';
import type { RegistryKv } from '../../src/registry/kv';

/** A KV bucket's get/put/create/update semantics (revisions, compare-and-set), in memory. */
export class MemoryKv implements RegistryKv {
  private revision = 0;
  readonly entries = new Map<string, { value: Uint8Array; revision: number }>();

  async get(key: string): Promise<KvEntry | null> {
    const e = this.entries.get(key);
    return e ? ({ key, value: e.value, revision: e.revision, operation: 'PUT', created: new Date() } as unknown as KvEntry) : null;
  }
  async put(key: string, value: Uint8Array): Promise<number> {
    this.entries.set(key, { value, revision: ++this.revision });
    return this.revision;
  }
  async create(key: string, value: Uint8Array): Promise<number> {
    if (this.entries.has(key)) throw new Error('wrong last sequence: key exists');
    return this.put(key, value);
  }
  async update(key: string, value: Uint8Array, revision: number): Promise<number> {
    if (this.entries.get(key)?.revision !== revision) throw new Error('wrong last sequence');
    return this.put(key, value);
  }
  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }
  async keys(): Promise<never> {
    throw new Error('not needed');
  }
}
