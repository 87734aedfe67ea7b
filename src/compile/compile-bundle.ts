import type { Root } from 'protobufjs';
import { CompiledBundle, IdlError, IdlFiles, ServiceModel } from '../idl/model';
import { compileProto } from './proto-compile';
import type * as ThriftCompile from './thrift-compile';

export interface LoadedBundle extends CompiledBundle {
  /** The protobuf root when the bundle has .proto files. */
  readonly root: Root | undefined;
}

/**
 * Compiles a pushed bundle, which may hold .proto and .thrift files side by side.
 * Both the control plane (to validate) and the sidecars (to serve) call this.
 */
export function compileBundle(files: IdlFiles, entries: readonly string[]): LoadedBundle {
  const protoEntries = entries.filter((e) => e.endsWith('.proto'));
  const thriftEntries = entries.filter((e) => e.endsWith('.thrift'));
  const other = entries.find((e) => !e.endsWith('.proto') && !e.endsWith('.thrift'));
  if (other) throw new IdlError('not a .proto or .thrift file', other);
  const services: ServiceModel[] = [];
  let root: Root | undefined;
  if (protoEntries.length) {
    const proto = compileProto(only(files, '.proto'), protoEntries);
    root = proto.root;
    services.push(...proto.bundle.services);
  }
  if (thriftEntries.length) {
    // Loaded here, not at start: the Thrift IDL parser is memory a sidecar with no Thrift IDL
    // never needs (docs/performance.md, memory).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { compileThrift } = require('./thrift-compile') as typeof ThriftCompile;
    services.push(...compileThrift(only(files, '.thrift'), thriftEntries).services);
  }
  const seen = new Set<string>();
  for (const s of services) {
    if (seen.has(s.name)) throw new IdlError(`service ${s.name} is defined twice in one push`);
    seen.add(s.name);
  }
  return { services, root };
}

function only(files: IdlFiles, ext: string): IdlFiles {
  return Object.fromEntries(Object.entries(files).filter(([k]) => k.endsWith(ext)));
}
