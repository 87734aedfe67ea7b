import { KV } from 'nats';
import { compileBundle } from '../protocol/compile-bundle';
import type { CompiledBundle } from '../idl/model';
import { BundleRecord, bundleRecord, PushRequest, ServiceRecord, serviceRecord } from './records';
import { decodeJson, encodeJson, isConflict, isLive, nextCount, patientKv, RegistryKv, updateRecord } from './kv';

export interface PushResult {
  version: number;
  services: Array<{ name: string; protocol: string }>;
}

export interface ServiceListing {
  name: string;
  protocol: string;
  version: number;
  pushedAt: string;
  versions: number[];
}

/** A refusal the CLI prints as is (bad IDL, unknown service, unknown version). */
export class RegistryError extends Error {}

/**
 * The IDL registry over one key-value bucket. Versions are numbered from a `seq` key updated
 * by compare-and-set, so control-plane replicas never hand out the same version; bundles are
 * written before the service records that point at them, so a failure before the service records
 * changes nothing that sidecars read. A push names itself (`pushId`) and the CLI retries it on
 * another replica when one dies, so one left half-done (some of its services updated) is completed
 * with the same version rather than left so.
 */
export class IdlStore {
  /** Compiled bundles, least recently used first; at most `maxCompiled` are kept. */
  private readonly compiled = new Map<number, CompiledBundle>();
  private readonly maxCompiled = 32;

  private readonly kv: RegistryKv;

  constructor(kv: KV) {
    this.kv = patientKv(kv);
  }

  async push(req: PushRequest): Promise<PushResult> {
    const loaded = compileBundle(req.files, req.entries);
    if (!loaded.services.length) throw new RegistryError('the files define no service');
    for (const s of loaded.services) {
      const prev = await this.service(s.name);
      // Providers announce one protocol per service; an IDL of the other kind could only send them garbage.
      if (prev && prev.protocol !== s.protocol) throw new RegistryError(`${s.name} is a ${prev.protocol} service in the registry; a push cannot make it ${s.protocol}`);
    }
    const version = req.pushId ? await this.versionOfPush(req.pushId) : await this.nextVersion();
    const pushedAt = new Date().toISOString();
    const record: BundleRecord = { version, pushedAt, files: req.files, entries: req.entries, services: loaded.services.map((s) => s.name) };
    await this.kv.put(`bundle.${version}`, encodeJson(record));
    this.remember(version, loaded);
    for (const s of loaded.services) {
      await this.updateService(s.name, (prev) => ({
        name: s.name,
        protocol: s.protocol,
        // Versions only grow, so of two concurrent pushes the later version wins whatever order they land in.
        current: Math.max(prev?.current ?? 0, version),
        // A retried push finds its version already listed (a replica died after writing it).
        versions: [...(prev?.versions ?? []).filter((v) => v.version !== version), { version, pushedAt }].sort((x, y) => x.version - y.version),
      }));
    }
    return { version, services: loaded.services.map((s) => ({ name: s.name, protocol: s.protocol })) };
  }

  async list(): Promise<ServiceListing[]> {
    const out: ServiceListing[] = [];
    // Keys first, records after: reading records while the key lister runs cut the listing short.
    const keys: string[] = [];
    for await (const key of await this.kv.keys('service.>')) keys.push(key);
    for (const key of keys) {
      const rec = await this.service(key.slice('service.'.length));
      if (!rec) continue;
      const cur = rec.versions.find((v) => v.version === rec.current);
      out.push({ name: rec.name, protocol: rec.protocol, version: rec.current, pushedAt: cur?.pushedAt ?? '', versions: rec.versions.map((v) => v.version) });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async show(name: string) {
    const rec = await this.service(name);
    if (!rec) throw new RegistryError(`no service ${name} in the registry`);
    const bundle = await this.loaded(rec.current);
    const model = bundle.services.find((s) => s.name === name);
    if (!model) throw new RegistryError(`version ${rec.current} does not define ${name}`);
    return { name, protocol: rec.protocol, version: rec.current, model };
  }

  async rollback(name: string, to?: number): Promise<{ name: string; version: number; previous: number }> {
    let previous = 0;
    let target = 0;
    await this.updateService(name, (prev) => {
      if (!prev) throw new RegistryError(`no service ${name} in the registry`);
      previous = prev.current;
      if (to !== undefined) {
        if (!prev.versions.some((v) => v.version === to)) throw new RegistryError(`${name} has no version ${to} (versions: ${prev.versions.map((v) => v.version).join(', ')})`);
        target = to;
      } else {
        const older = prev.versions.filter((v) => v.version < prev.current);
        if (!older.length) throw new RegistryError(`${name} has no version before ${prev.current}`);
        target = older[older.length - 1].version;
      }
      return { ...prev, current: target };
    });
    return { name, version: target, previous };
  }

  async bundle(version: number): Promise<BundleRecord> {
    const e = await this.kv.get(`bundle.${version}`);
    if (!isLive(e)) throw new RegistryError(`bundle ${version} is missing from the registry`);
    return decodeJson(bundleRecord, e.value);
  }

  private async loaded(version: number): Promise<CompiledBundle> {
    let b = this.compiled.get(version);
    if (!b) {
      const rec = await this.bundle(version);
      b = compileBundle(rec.files, rec.entries);
    }
    this.remember(version, b);
    return b;
  }

  /** Every version ever pushed stays in the bucket; only the recently used stay compiled in memory. */
  private remember(version: number, b: CompiledBundle): void {
    this.compiled.delete(version);
    this.compiled.set(version, b);
    if (this.compiled.size > this.maxCompiled) this.compiled.delete(this.compiled.keys().next().value!);
  }

  private async service(name: string): Promise<ServiceRecord | undefined> {
    const e = await this.kv.get(`service.${name}`);
    return isLive(e) ? decodeJson(serviceRecord, e.value) : undefined;
  }

  /**
   * The version of a push, the same on every retry of it: `push.<id>` is created once with the
   * version; a retry (the first control plane died, or its reply was lost) reads it back and
   * writes the same bundle and service records again, which completes a push left half-done.
   */
  private async versionOfPush(pushId: string): Promise<number> {
    const key = `push.${pushId}`;
    const known = await this.kv.get(key);
    if (isLive(known)) return Number(new TextDecoder().decode(known.value));
    const version = await this.nextVersion();
    try {
      await this.kv.create(key, new TextEncoder().encode(String(version)));
      return version;
    } catch (err) {
      if (!isConflict(err)) throw err;
      // Another replica took the same retry at the same moment: use its version (ours is a gap).
      const e = await this.kv.get(key);
      if (!isLive(e)) throw err;
      return Number(new TextDecoder().decode(e.value));
    }
  }

  private nextVersion(): Promise<number> {
    return nextCount(this.kv, 'seq');
  }

  private updateService(name: string, change: (prev: ServiceRecord | undefined) => ServiceRecord): Promise<void> {
    return updateRecord(this.kv, `service.${name}`, serviceRecord, change);
  }
}
