import { KV } from 'nats';
import { compileBundle } from '../protocol/compile-bundle';
import type { CompiledBundle, ServiceModel } from '../idl/model';
import { RouteTable } from '../rest/route-table';
import { isBreaking, problemLines, sortChanges, type IdlChange } from '../idl/compat';
import { compareBundles } from './idl-compat';
import { BundleRecord, bundleRecord, PushRequest, ServiceRecord, serviceRecord } from './records';
import { decodeJson, encodeJson, isConflict, isLive, nextCount, patientKv, RegistryKv, updateRecord } from './kv';

export interface PushResult {
  version: number;
  services: Array<{ name: string; protocol: string }>;
  /** The breaking changes stored anyway (--allow-breaking), one problem a line; empty for a compatible push. */
  forced: string[];
}

export interface ServiceListing {
  name: string;
  protocol: string;
  version: number;
  pushedAt: string;
  versions: number[];
}

export interface VersionHistory {
  name: string;
  protocol: string;
  current: number;
  versions: Array<{ version: number; pushedAt: string; current: boolean; forced: string[] }>;
}

export interface IdlDiff {
  service: string;
  from: number;
  to: number;
  changes: IdlChange[];
}

/** A refusal the CLI prints as is (bad IDL, unknown service, unknown version). */
export class RegistryError extends Error {}

/** A refused push: the CLI prints every problem, one a line. */
export class PushRefused extends RegistryError {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(message);
  }
}

/**
 * Which methods of a service the stored policies name, as method name to where (`policy of
 * <service> revision 3: routes[0].match.methods`). A push removing one is refused even when forced.
 */
export type MethodsInUse = (service: string) => Promise<ReadonlyMap<string, string>>;

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

  constructor(
    kv: KV,
    private readonly methodsInUse: MethodsInUse = async () => new Map(),
  ) {
    this.kv = patientKv(kv);
  }

  async push(req: PushRequest): Promise<PushResult> {
    const loaded = compileBundle(req.files, req.entries);
    if (!loaded.services.length) throw new RegistryError('the files define no service');
    const previous = new Map<number, string[]>();
    for (const s of loaded.services) {
      const prev = await this.service(s.name);
      // Providers announce one protocol per service; an IDL of the other kind could only send them garbage.
      if (prev && prev.protocol !== s.protocol) throw new RegistryError(`${s.name} is a ${prev.protocol} service in the registry; a push cannot make it ${s.protocol}`);
      if (prev) previous.set(prev.current, [...(previous.get(prev.current) ?? []), s.name]);
    }
    await this.checkRoutes(loaded);
    const forced = await this.checkCompatible(req, previous);
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
        versions: [...(prev?.versions ?? []).filter((v) => v.version !== version), { version, pushedAt, ...forcedEntry(forced, prev, version) }].sort((x, y) => x.version - y.version),
      }));
    }
    return { version, services: loaded.services.map((s) => ({ name: s.name, protocol: s.protocol })), forced };
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

  /** Every version of a service, oldest first, with the breaking changes of the ones pushed with --allow-breaking. */
  async history(name: string): Promise<VersionHistory> {
    const rec = await this.service(name);
    if (!rec) throw new RegistryError(`no service ${name} in the registry`);
    return {
      name,
      protocol: rec.protocol,
      current: rec.current,
      versions: rec.versions.map((v) => ({ version: v.version, pushedAt: v.pushedAt, current: v.version === rec.current, forced: v.forced ?? [] })),
    };
  }

  /** What changed in a service between two of its versions: by default the current one and the one before it. */
  async diff(name: string, from?: number, to?: number): Promise<IdlDiff> {
    const rec = await this.service(name);
    if (!rec) throw new RegistryError(`no service ${name} in the registry`);
    const known = (v: number) => {
      if (!rec.versions.some((x) => x.version === v)) throw new RegistryError(`${name} has no version ${v} (versions: ${rec.versions.map((x) => x.version).join(', ')})`);
      return v;
    };
    const target = to === undefined ? rec.current : known(to);
    let base: number;
    if (from !== undefined) base = known(from);
    else {
      const older = rec.versions.filter((v) => v.version < target);
      if (!older.length) throw new RegistryError(`${name} has no version before ${target} to compare with`);
      base = older[older.length - 1]!.version;
    }
    const [b0, b1] = [await this.bundle(base), await this.bundle(target)];
    const changes = compareBundles(b0, b1, { services: new Set([name]) });
    return { service: name, from: base, to: target, changes: sortChanges(changes) };
  }

  /**
   * Refuses a push that breaks what the current versions promised (unless forced: then the
   * problems are returned to be recorded) and, forced or not, one that removes a method a policy names.
   */
  private async checkCompatible(req: PushRequest, previous: ReadonlyMap<number, string[]>): Promise<string[]> {
    const changes: IdlChange[] = [];
    for (const [version, services] of previous) {
      const rec = await this.bundle(version);
      changes.push(...compareBundles(rec, req, { services: new Set(services) }));
    }
    const inUse: string[] = [];
    for (const c of changes) {
      if (c.kind !== 'removed' || (c.element !== 'method' && c.element !== 'function')) continue;
      const service = c.name.slice(0, c.name.lastIndexOf('.'));
      const method = c.name.slice(c.name.lastIndexOf('.') + 1);
      const where = (await this.methodsInUse(service)).get(method);
      if (where) inUse.push(`${c.file}:${c.line}:${c.col}: POLICY_METHOD_IN_USE: method ${method} of ${service} is named by ${where}; change the policy first`);
    }
    if (inUse.length) throw new PushRefused(`refused: the push removes ${inUse.length === 1 ? 'a method' : `${inUse.length} methods`} a policy names (even --allow-breaking cannot store it)`, inUse);
    const problems = problemLines(changes.filter(isBreaking));
    if (problems.length && !req.allowBreaking) {
      throw new PushRefused(`refused: ${problems.length} breaking change${problems.length === 1 ? '' : 's'} to what is deployed (fix them, or push with --allow-breaking to store it anyway)`, problems);
    }
    return problems;
  }

  /**
   * Refuses a push with a REST route that does not compile, or that another method already
   * declares (same HTTP method and template shape), in the push or in a service it leaves as it is.
   */
  private async checkRoutes(loaded: CompiledBundle): Promise<void> {
    if (!loaded.services.some((s) => [...s.methods.values()].some((m) => m.rest))) return;
    const pushed = new Set(loaded.services.map((s) => s.name));
    const others: ServiceModel[] = [];
    for (const l of await this.list()) {
      if (pushed.has(l.name)) continue;
      const model = (await this.loaded(l.version)).services.find((s) => s.name === l.name);
      if (model) others.push(model);
    }
    const { problems } = RouteTable.build([...others, ...loaded.services]);
    if (problems.length) throw new PushRefused(`refused: ${problems.length} REST route problem${problems.length === 1 ? '' : 's'}`, problems);
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

/** The problems a forced push was stored with; a retry of it compares against itself and finds none, so it keeps the first record's. */
function forcedEntry(forced: string[], prev: ServiceRecord | undefined, version: number): { forced?: string[] } {
  const earlier = prev?.versions.find((v) => v.version === version)?.forced;
  if (forced.length) return { forced };
  return earlier ? { forced: earlier } : {};
}
