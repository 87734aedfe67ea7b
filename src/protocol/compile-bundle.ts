import { CompiledBundle, IdlError, IdlFiles, ServiceModel } from '../idl/model';
import type { IdlCompiler } from './protocol-adapter';
import { idlCompilerFor, idlExtensions } from './protocol-registry';

/**
 * Compiles a pushed bundle, which may hold the IDL of several protocols side by side (.proto and
 * .thrift), each part by its registered adapter. Both the control plane (to validate) and the
 * sidecars (to serve) call this.
 */
export function compileBundle(files: IdlFiles, entries: readonly string[]): CompiledBundle {
  const groups = new Map<IdlCompiler, string[]>();
  for (const e of entries) {
    const compiler = idlCompilerFor(e);
    if (!compiler) throw new IdlError(`not an IDL file this mesh reads (${idlExtensions().join(', ') || 'no protocol registered'})`, e);
    let list = groups.get(compiler);
    if (!list) groups.set(compiler, (list = []));
    list.push(e);
  }
  const services: ServiceModel[] = [];
  for (const [compiler, list] of groups) {
    const own = Object.fromEntries(Object.entries(files).filter(([k]) => idlCompilerFor(k) === compiler));
    services.push(...compiler.compile(own, list).services);
  }
  const seen = new Set<string>();
  for (const s of services) {
    if (seen.has(s.name)) throw new IdlError(`service ${s.name} is defined twice in one push`);
    seen.add(s.name);
  }
  return { services };
}
