import type { LoadedBundle } from '../compile/compile-bundle';
import type { CompatScope, IdlChange } from '../idl/compat';
import type { IdlFiles } from '../idl/model';
import { compareProto } from '../idl/proto-compat';
import type * as ThriftCompat from '../idl/thrift-compat';

/** One stored or pushed version as the compatibility rules see it: compiled, with its sources for positions. */
export interface BundleVersion {
  readonly loaded: LoadedBundle;
  readonly files: IdlFiles;
}

/** Every change between two bundles, .proto by buf's WIRE_JSON rules and .thrift by ours; breaking ones carry their rule. */
export function compareBundles(before: BundleVersion, after: BundleVersion, scope: CompatScope): IdlChange[] {
  const out: IdlChange[] = [];
  if (before.loaded.root && after.loaded.root) {
    out.push(...compareProto({ root: before.loaded.root, files: only(before.files, '.proto') }, { root: after.loaded.root, files: only(after.files, '.proto') }, scope));
  }
  if ([before, after].some((v) => v.loaded.services.some((s) => s.protocol === 'thrift'))) {
    // Loaded here, not at start: the Thrift IDL parser is memory a sidecar (which imports the
    // registry) never needs (docs/performance.md, memory; tests/e2e/startup-modules.test.ts).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { compareThrift } = require('../idl/thrift-compat') as typeof ThriftCompat;
    out.push(...compareThrift(thriftOf(before), thriftOf(after), scope));
  }
  return out;
}

function thriftOf(v: BundleVersion): ThriftCompat.ThriftVersion {
  const services = v.loaded.services
    .filter((s) => s.protocol === 'thrift')
    .map((s) => ({ name: s.name, methods: [...s.methods.values()].flatMap((m) => (m.kind === 'thrift' ? [m.def] : [])) }));
  return { services, files: only(v.files, '.thrift') };
}

function only(files: IdlFiles, ext: string): IdlFiles {
  return Object.fromEntries(Object.entries(files).filter(([k]) => k.endsWith(ext)));
}
